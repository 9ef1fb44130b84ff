// POST /servers body checks, in Nova's order: the JSON schema, then the
// lookups (references.ts). Messages follow Nova's wording where it matters.
import { isRecord } from '../http/messages';
import { atLeast, type Version } from './microversion';
import type { References, Refusal } from './references';

export interface CreateSpec {
    readonly name: string;
    readonly imageId: string;
    readonly flavorId: string;
    readonly metadata: Record<string, string>;
    readonly networks: unknown;
    readonly keyName: string | null;
    readonly userData: string | null;
}

export type Validated = { readonly ok: true; readonly spec: CreateSpec } | { readonly ok: false; readonly status: number; readonly message: string };

class Invalid extends Error {
    constructor(message: string, readonly status = 400) {
        super(message);
    }
}

const refuse = (refusal: Refusal | null): void => {
    if (refusal) {
        throw new Invalid(refusal.message, refusal.status);
    }
};

// Typed on the const, not the arrow alone, so that a call ends the path for narrowing as a declared function's does.
const invalid: (field: string, why: string) => never = (field, why) => {
    throw new Invalid(`Invalid input for field/attribute ${field}. ${why}`);
};

export const validateCreate = (body: unknown, version: Version, references: References): Validated => {
    try {
        return { ok: true, spec: check(body, version, references) };
    }
    catch (err) {
        // Anything else is a bug: let it through.
        if (err instanceof Invalid) { // $lab:coverage:ignore$
            return { ok: false, status: err.status, message: err.message };
        }

        throw err; // $lab:coverage:ignore$
    }
};

const check = (body: unknown, version: Version, references: References): CreateSpec => {
    const server = isRecord(body) ? body.server : undefined;
    if (!isRecord(server)) {
        invalid('server', "'server' is a required property");
    }

    const name = checkName(server.name);
    const metadata = checkMetadata(server.metadata);
    const networks = checkNetworks(server.networks, version);
    const securityGroups = checkSecurityGroups(server.security_groups);
    const userData = checkUserData(server.user_data);
    if (server.key_name !== undefined && server.key_name !== null && typeof server.key_name !== 'string') {
        invalid('key_name', 'Value must be a string.');
    }

    if (server.personality !== undefined) {
        if (atLeast(version, 57)) {
            invalid('server', "Additional properties are not allowed ('personality' was unexpected)");
        }

        if (!Array.isArray(server.personality)) {
            invalid('personality', 'Value must be a list.');
        }
    }

    const flavorId = refId(server.flavorRef);
    if (flavorId === null) {
        if (server.flavorRef === undefined) {
            invalid('server', "'flavorRef' is a required property");
        }

        invalid('flavorRef', 'Value must be a non-empty string or an integer.');
    }

    // Nova looks up the flavor, then (in compute's create) the image, the security groups and the networks.
    refuse(references.flavor(flavorId));
    const imageId = refId(server.imageRef);
    if (imageId === null) {
        throw new Invalid('Can not find requested image');
    }

    refuse(references.image(imageId));
    refuse(references.securityGroups(securityGroups));
    refuse(references.networks(Array.isArray(networks) ? networks.map((n) => n.uuid).filter((id): id is string => typeof id === 'string') : []));

    return { name, imageId, flavorId, metadata, networks, keyName: typeof server.key_name === 'string' ? server.key_name : null, userData };
};

const checkName = (value: unknown): string => {
    if (value === undefined) {
        invalid('server', "'name' is a required property");
    }

    if (typeof value !== 'string') {
        invalid('name', 'Value must be a string.');
    }

    if (value.length < 1 || value.length > 255) {
        invalid('name', `Value: ${value}. Length must be 1 to 255 characters.`);
    }

    if (value.trim() !== value) {
        invalid('name', `Value: ${value}. Leading or trailing whitespace is not allowed.`);
    }

    return value;
};

const checkMetadata = (value: unknown): Record<string, string> => {
    if (value === undefined) {
        return {};
    }

    if (!isRecord(value)) {
        invalid('metadata', 'Value must be an object.');
    }

    const entries = Object.entries(value);
    if (entries.length > 128) {
        invalid('metadata', `${entries.length} items; at most 128 are allowed.`);
    }

    const metadata: Record<string, string> = {};
    for (const [key, item] of entries) {
        if (key.length < 1 || key.length > 255) {
            invalid('metadata', `Key '${key}': length must be 1 to 255 characters.`);
        }

        if (typeof item !== 'string') {
            invalid('metadata', `Value of '${key}' must be a string.`);
        }

        if (item.length > 255) {
            invalid('metadata', `Value of '${key}' is longer than 255 characters.`);
        }

        metadata[key] = item;
    }

    return metadata;
};

// From 2.37 networks is required and may be 'auto' or 'none'; before, an optional list.
const checkNetworks = (value: unknown, version: Version): 'auto' | 'none' | Record<string, unknown>[] => {
    if (value === undefined) {
        if (atLeast(version, 37)) {
            invalid('server', "'networks' is a required property");
        }

        return [];
    }

    if (atLeast(version, 37) && (value === 'auto' || value === 'none')) {
        return value;
    }

    if (!Array.isArray(value) || !value.every(isRecord)) {
        invalid('networks', atLeast(version, 37) ? "Value must be 'auto', 'none' or a list of networks." : 'Value must be a list of networks.');
    }

    return value;
};

// A list of {name}; the names asked for, each once, or 'default' when none is named (as Nova reads it).
const checkSecurityGroups = (value: unknown): string[] => {
    if (value === undefined) {
        return ['default'];
    }

    if (!Array.isArray(value) || !value.every(isRecord)) {
        invalid('security_groups', 'Value must be a list of objects.');
    }

    const names: string[] = [];
    for (const group of value) {
        const extra = Object.keys(group).find((key) => key !== 'name');
        if (extra !== undefined) {
            invalid('security_groups', `Additional properties are not allowed ('${extra}' was unexpected)`);
        }

        if (group.name !== undefined && (typeof group.name !== 'string' || group.name.length < 1 || group.name.length > 255)) {
            invalid('name', 'Value must be a string of 1 to 255 characters.');
        }

        if (typeof group.name === 'string' && !names.includes(group.name)) {
            names.push(group.name);
        }
    }

    return names.length > 0 ? names : ['default'];
};

const checkUserData = (value: unknown): string | null => {
    if (value === undefined || value === null) {
        return null;
    }

    if (typeof value !== 'string' || value.length > 65535) {
        invalid('user_data', 'Value must be a string of at most 65535 characters.');
    }

    if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
        throw new Invalid('User data needs to be valid base 64.');
    }

    return value;
};

// A flavor or image reference: an id, or a URL whose last segment is the id.
const refId = (value: unknown): string | null => {
    if (typeof value === 'number' && Number.isInteger(value)) {
        return String(value);
    }

    if (typeof value !== 'string' || value === '') {
        return null;
    }

    return value.split('/').filter((s) => s !== '').pop() ?? null;
};
