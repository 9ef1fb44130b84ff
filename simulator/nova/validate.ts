// POST /servers body checks, in Nova's order: the JSON schema, then the
// flavor and image lookups. Messages follow Nova's wording where it matters.
import { isRecord } from '../http/messages';
import { atLeast, type Version } from './microversion';
import type { Resources } from '../model/resources';

export interface CreateSpec {
    readonly name: string;
    readonly imageId: string;
    readonly flavorId: string;
    readonly metadata: Record<string, string>;
    readonly networks: unknown;
    readonly keyName: string | null;
    readonly userData: string | null;
}

export type Validated = { readonly ok: true; readonly spec: CreateSpec } | { readonly ok: false; readonly message: string };

class Invalid extends Error {}

// Typed on the const, not the arrow alone, so that a call ends the path for narrowing as a declared function's does.
const invalid: (field: string, why: string) => never = (field, why) => {
    throw new Invalid(`Invalid input for field/attribute ${field}. ${why}`);
};

export const validateCreate = (body: unknown, version: Version, resources: Resources): Validated => {
    try {
        return { ok: true, spec: check(body, version, resources) };
    }
    catch (err) {
        // Anything else is a bug: let it through.
        if (err instanceof Invalid) { // $lab:coverage:ignore$
            return { ok: false, message: err.message };
        }

        throw err; // $lab:coverage:ignore$
    }
};

const check = (body: unknown, version: Version, resources: Resources): CreateSpec => {
    const server = isRecord(body) ? body.server : undefined;
    if (!isRecord(server)) {
        invalid('server', "'server' is a required property");
    }

    const name = checkName(server.name);
    const metadata = checkMetadata(server.metadata);
    const networks = checkNetworks(server.networks, version);
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

    if (!resources.flavor(flavorId)) {
        throw new Invalid('Invalid flavorRef provided.');
    }

    const imageId = refId(server.imageRef);
    if (imageId === null || !resources.image(imageId)) {
        throw new Invalid('Can not find requested image');
    }

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
const checkNetworks = (value: unknown, version: Version): unknown => {
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
