// OS_CLOUD: one cloud's settings from clouds.yaml, with secure.yaml merged over
// it, found where openstacksdk looks for them.
import * as Path from 'node:path';
import * as Yaml from 'yaml';
import { isRecord } from '../../core/model/json';
import { type Env, nonEmpty, type ReadFile, ServiceAccountError } from './config-input';

// Flat: the keys of `auth:` (auth_url, username, application_credential_id,
// ...) beside region_name, interface, endpoint_type, auth_type and the TLS
// settings. Values are strings (a YAML true is 'true').
export type CloudSettings = Readonly<Record<string, string | undefined>>;

const TOP_LEVEL_KEYS = ['region_name', 'interface', 'endpoint_type', 'auth_type', 'cacert', 'verify', 'insecure'];

export const readCloud = (name: string, env: Env, readFile: ReadFile, dirs: readonly string[]): CloudSettings => {
    const clouds = firstFound(candidates(env.OS_CLIENT_CONFIG_FILE, dirs, 'clouds'), readFile);
    if (clouds === null) {
        throw new ServiceAccountError(`OS_CLOUD is "${name}" but no clouds.yaml was found (looked in ${dirs.join(', ')}; or set OS_CLIENT_CONFIG_FILE)`);
    }

    const cloud = cloudEntry(clouds, name);
    if (cloud === undefined) {
        throw new ServiceAccountError(`cloud "${name}" is not in ${clouds.path} (it has: ${Object.keys(cloudsOf(clouds)).join(', ') || 'none'})`);
    }

    const secure = firstFound(candidates(env.OS_CLIENT_SECURE_FILE, dirs, 'secure'), readFile);
    const secret = secure === null ? undefined : cloudEntry(secure, name);
    return flatten(secret === undefined ? cloud : deepMerge(cloud, secret));
};

interface Found {
    readonly path: string;
    readonly doc: unknown;
}

const candidates = (explicit: string | undefined, dirs: readonly string[], base: string): string[] => {
    const inDirs = dirs.flatMap((dir) => [Path.join(dir, `${base}.yaml`), Path.join(dir, `${base}.yml`)]);
    const file = nonEmpty(explicit);
    return file === undefined ? inDirs : [file, ...inDirs];
};

const firstFound = (paths: readonly string[], readFile: ReadFile): Found | null => {
    for (const path of paths) {
        const text = readFile(path);
        if (text !== null) {
            try {
                return { path, doc: Yaml.parse(text) as unknown };
            }
            catch (err) {
                throw new ServiceAccountError(`${path} is not valid YAML: ${(err as Error).message}`);
            }
        }
    }

    return null;
};

const cloudsOf = (found: Found): Record<string, unknown> => {
    const clouds = isRecord(found.doc) ? found.doc.clouds : undefined;
    return isRecord(clouds) ? clouds : {};
};

const cloudEntry = (found: Found, name: string): Record<string, unknown> | undefined => {
    const entry = cloudsOf(found)[name];
    return isRecord(entry) ? entry : undefined;
};

const deepMerge = (base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(over)) {
        const current = out[key];
        out[key] = isRecord(current) && isRecord(value) ? deepMerge(current, value) : value;
    }

    return out;
};

// YAML turns an unquoted numeric project_id into a number, and verify: false
// into a boolean: take them back as text.
const scalar = (value: unknown): string | undefined =>
    typeof value === 'string' ? nonEmpty(value) : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;

const flatten = (cloud: Record<string, unknown>): CloudSettings => {
    const out: Record<string, string> = {};
    const auth = isRecord(cloud.auth) ? cloud.auth : {};
    for (const [key, value] of Object.entries(auth)) {
        const text = scalar(value);
        if (text !== undefined) {
            out[key] = text;
        }
    }

    for (const key of TOP_LEVEL_KEYS) {
        const text = scalar(cloud[key]);
        if (text !== undefined) {
            out[key] = text;
        }
    }

    return out;
};
