// The service account's Keystone v3 password credentials, read the way the
// OpenStack clients read them: OS_* variables, or OS_CLOUD + clouds.yaml.
import * as Os from 'node:os';
import * as Path from 'node:path';
import { CloudSettings, readCloud } from './clouds-yaml';
import { type Env, nonEmpty, type ReadFile, readFileIfExists, ServiceAccountError } from './config-input';

export type { Env, ReadFile };
export { readFileIfExists, ServiceAccountError };

export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface ServiceAccount {
    readonly authUrl: string;                  // always ends with /v3
    readonly username?: string;
    readonly userId?: string;                  // wins over username when both are set
    readonly password: string;
    readonly userDomainName?: string;          // 'Default' when neither name nor id is given
    readonly userDomainId?: string;            // wins over userDomainName
    readonly projectId?: string;               // wins over projectName
    readonly projectName?: string;
    readonly projectDomainName?: string;       // 'Default' when a project name has no domain
    readonly projectDomainId?: string;
    readonly regionName?: string;
    readonly interface: EndpointInterface;
}

export const serviceAccountFromEnv = (env: Env, readFile: ReadFile = readFileIfExists): ServiceAccount | null => {
    const e = (name: string): string | undefined => nonEmpty(env[name]);
    const cloudName = e('OS_CLOUD');
    if (e('OS_AUTH_URL') === undefined && cloudName === undefined) {
        return null;
    }

    const fromFile: CloudSettings = cloudName === undefined ? {} : readCloud(cloudName, env, readFile, configDirs(env));
    const where = cloudName === undefined ? '' : ` (or set it for cloud "${cloudName}" in clouds.yaml)`;

    // Env overrides per group: OS_PROJECT_NAME must not lose to a project_id from the file.
    const user = pick(env, fromFile, [['OS_USER_ID', 'user_id'], ['OS_USERNAME', 'username']]);
    const userDomain = pick(env, fromFile, [['OS_USER_DOMAIN_ID', 'user_domain_id'], ['OS_USER_DOMAIN_NAME', 'user_domain_name']]);
    const project = pick(env, fromFile, [['OS_PROJECT_ID', 'project_id'], ['OS_PROJECT_NAME', 'project_name'], ['OS_TENANT_ID', 'tenant_id'], ['OS_TENANT_NAME', 'tenant_name']]);
    const projectDomain = pick(env, fromFile, [['OS_PROJECT_DOMAIN_ID', 'project_domain_id'], ['OS_PROJECT_DOMAIN_NAME', 'project_domain_name']]);
    const single = (envName: string, key: string): string | undefined => e(envName) ?? fromFile[key];

    const authType = single('OS_AUTH_TYPE', 'auth_type');
    if (authType !== undefined && authType !== 'password' && authType !== 'v3password') {
        throw new ServiceAccountError(`OS_AUTH_TYPE "${authType}" is not supported: only password authentication is`);
    }

    const rawAuthUrl = single('OS_AUTH_URL', 'auth_url');
    if (rawAuthUrl === undefined) {
        throw new ServiceAccountError(`OS_AUTH_URL is required${where}`);
    }

    const password = single('OS_PASSWORD', 'password');
    if (password === undefined) {
        throw new ServiceAccountError(`OS_PASSWORD is required${where}`);
    }

    const userId = user.OS_USER_ID;
    const username = user.OS_USERNAME;
    if (userId === undefined && username === undefined) {
        throw new ServiceAccountError(`OS_USERNAME or OS_USER_ID is required${where}`);
    }

    const projectId = project.OS_PROJECT_ID ?? project.OS_TENANT_ID;
    const projectName = project.OS_PROJECT_NAME ?? project.OS_TENANT_NAME;
    const regionName = single('OS_REGION_NAME', 'region_name');
    const userDomainId = userDomain.OS_USER_DOMAIN_ID;
    const projectDomainId = projectDomain.OS_PROJECT_DOMAIN_ID;

    return definedOnly<ServiceAccount>({
        authUrl: normaliseAuthUrl(rawAuthUrl),
        userId,
        username,
        password,
        userDomainId,
        userDomainName: userDomain.OS_USER_DOMAIN_NAME ?? (userDomainId === undefined ? 'Default' : undefined),
        projectId,
        projectName,
        projectDomainId,
        projectDomainName: projectDomain.OS_PROJECT_DOMAIN_NAME ?? (projectName !== undefined && projectDomainId === undefined ? 'Default' : undefined),
        regionName,
        interface: parseInterface(e('OS_INTERFACE') ?? e('OS_ENDPOINT_TYPE') ?? fromFile.interface ?? fromFile.endpoint_type)
    });
};

export const normaliseAuthUrl = (raw: string): string => {
    let url: URL;
    try {
        url = new URL(raw.trim());
    }
    catch {
        throw new ServiceAccountError(`OS_AUTH_URL is not a URL: "${raw}"`);
    }

    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new ServiceAccountError(`OS_AUTH_URL must be http or https: "${raw}"`);
    }

    const path = url.pathname.replace(/\/+$/, '').replace(/\/v2\.0$/, '').replace(/\/v3$/, '');
    return `${url.origin}${path}/v3`;
};

// Where clouds.yaml and secure.yaml are looked for, in order (openstacksdk's list).
export const configDirs = (env: Env): string[] => {
    const home = nonEmpty(env.HOME) ?? Os.homedir();
    const userConfig = nonEmpty(env.XDG_CONFIG_HOME) ?? Path.join(home, '.config');
    return [process.cwd(), Path.join(userConfig, 'openstack'), '/etc/openstack'];
};

const parseInterface = (raw: string | undefined): EndpointInterface => {
    // Older openrc files say publicURL / internalURL / adminURL.
    const value = (raw ?? 'public').replace(/URL$/, '');
    if (value === 'public' || value === 'internal' || value === 'admin') {
        return value;
    }

    throw new ServiceAccountError(`OS_INTERFACE must be public, internal or admin (got "${raw}")`);
};

// The env's members of one group when it sets any of them, else the file's.
const pick = <K extends string>(env: Env, file: CloudSettings, pairs: ReadonlyArray<readonly [K, string]>): Partial<Record<K, string>> => {
    const fromEnv: Partial<Record<K, string>> = {};
    const fromFile: Partial<Record<K, string>> = {};
    for (const [envName, key] of pairs) {
        const envValue = nonEmpty(env[envName]);
        if (envValue !== undefined) {
            fromEnv[envName] = envValue;
        }

        const fileValue = file[key];
        if (fileValue !== undefined) {
            fromFile[envName] = fileValue;
        }
    }

    return Object.keys(fromEnv).length > 0 ? fromEnv : fromFile;
};


// Keeps the account printable and comparable: unset fields are absent, not undefined.
const definedOnly = <T extends object>(value: T): T =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
