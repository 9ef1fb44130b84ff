// How the service account reaches a cloud over TLS: a private CA
// (OS_CACERT, cacert in clouds.yaml), or, only where the operator allowed it
// in so many words, no verification at all (OS_INSECURE, verify: false).
// Every call to Keystone, Nova, Octavia, Glance and Neutron goes through the
// one dispatcher made from it.
import { X509Certificate } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
import type { CloudSettings } from './clouds-yaml';
import { type Env, nonEmpty, type ReadFile, ServiceAccountError } from './config-input';

export interface AccountTls {
    readonly ca?: string;                  // PEM bundle: trusted instead of the system's CAs
    readonly caFile?: string;              // where it was read, for messages
    readonly insecure?: true;              // certificates not verified
}

// The variable that allows OS_INSECURE: a man-in-the-middle sees the
// service account's credentials, so it is never on by accident.
export const ALLOW_INSECURE = 'AUTOSCALE_ALLOW_INSECURE_TLS';

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

const flag = (name: string, raw: string | undefined): boolean | undefined => {
    if (raw === undefined) {
        return undefined;
    }

    const value = raw.trim().toLowerCase();
    if (TRUE.has(value) || FALSE.has(value)) {
        return TRUE.has(value);
    }

    throw new ServiceAccountError(`${name} must be true or false (got "${raw}")`);
};

// undefined: neither a CA nor insecure was asked for.
export const tlsFrom = (env: Env, file: CloudSettings, readFile: ReadFile): AccountTls | undefined => {
    const caFile = nonEmpty(env.OS_CACERT) ?? file.cacert;
    const insecure = flag('OS_INSECURE', nonEmpty(env.OS_INSECURE)) ?? insecureInFile(file);
    if (insecure === true && flag(ALLOW_INSECURE, nonEmpty(env[ALLOW_INSECURE])) !== true) {
        throw new ServiceAccountError(`OS_INSECURE (or verify: false in clouds.yaml) turns off TLS verification toward OpenStack, and anyone between could read the service account's credentials: refused unless ${ALLOW_INSECURE}=true says it is meant (give OS_CACERT for a private CA instead)`);
    }

    if (caFile === undefined) {
        return insecure === true ? { insecure: true } : undefined;
    }

    return { ca: readCa(caFile, readFile), caFile, ...(insecure === true ? { insecure: true as const } : {}) };
};

// openstacksdk's two spellings: verify: false, or insecure: true.
const insecureInFile = (file: CloudSettings): boolean | undefined => {
    const verify = flag('verify in clouds.yaml', file.verify);
    return verify === undefined ? flag('insecure in clouds.yaml', file.insecure) : !verify;
};

// Read and parsed now, so a wrong path or a file that is no certificate stops the start.
const readCa = (path: string, readFile: ReadFile): string => {
    const pem = readFile(path);
    if (pem === null) {
        throw new ServiceAccountError(`OS_CACERT: no file at ${path}`);
    }

    try {
        new X509Certificate(pem);
    }
    catch (err) {
        throw new ServiceAccountError(`OS_CACERT: ${path} is not a PEM certificate (${(err as Error).message})`);
    }

    return pem;
};

// One connection pool per account that needs its own TLS; undefined: undici's global one.
const dispatchers = new WeakMap<AccountTls, Agent>();
export const tlsDispatcher = (tls: AccountTls | undefined): Dispatcher | undefined => {
    if (tls === undefined) {
        return undefined;
    }

    let agent = dispatchers.get(tls);
    if (agent === undefined) {
        agent = new Agent({ connect: { ...(tls.ca === undefined ? {} : { ca: tls.ca }), rejectUnauthorized: tls.insecure !== true } });
        dispatchers.set(tls, agent);
    }

    return agent;
};
