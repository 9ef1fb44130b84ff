// The service account's Keystone v3 credentials (a password, or an
// application credential) and how to reach Keystone over TLS, read the way
// the OpenStack clients read them: OS_* variables, or OS_CLOUD + clouds.yaml.
import * as Os from 'node:os';
import * as Path from 'node:path';
import { CloudSettings, readCloud } from './clouds-yaml';
import { type Env, nonEmpty, type ReadFile, readFileIfExists, ServiceAccountError } from './config-input';
import { type AccountTls, tlsFrom } from './tls';

export type { Env, ReadFile };
export { readFileIfExists, ServiceAccountError };

export type EndpointInterface = 'public' | 'internal' | 'admin';

interface AccountBase {
    readonly authUrl: string;                  // always ends with /v3
    readonly regionName?: string;
    readonly interface: EndpointInterface;
    readonly tls?: AccountTls;                 // absent: the system's CAs, verified
}

// A user, by id or by name in a domain.
interface UserRef {
    readonly username?: string;
    readonly userId?: string;                  // wins over username when both are set
    readonly userDomainName?: string;          // 'Default' when neither name nor id is given
    readonly userDomainId?: string;            // wins over userDomainName
}

export interface PasswordAccount extends AccountBase, UserRef {
    readonly kind?: 'password';                // the default, so a host's own account needs no kind
    readonly password: string;
    readonly projectId?: string;               // wins over projectName
    readonly projectName?: string;
    readonly projectDomainName?: string;       // 'Default' when a project name has no domain
    readonly projectDomainId?: string;
}

// Keystone scopes its tokens to the project the credential was made in, and
// refuses every other scope: it has no project of its own to name.
export interface ApplicationCredentialAccount extends AccountBase, UserRef {
    readonly kind: 'application_credential';
    readonly applicationCredentialId?: string; // wins over the name; the name needs the user
    readonly applicationCredentialName?: string;
    readonly secret: string;
}

export type ServiceAccount = PasswordAccount | ApplicationCredentialAccount;

// One setting: its variable when set, else its key in clouds.yaml.
type Setting = (envName: string, key: string) => string | undefined;

const PROJECT_SETTINGS: ReadonlyArray<readonly [string, string]> = [
    ['OS_PROJECT_ID', 'project_id'], ['OS_PROJECT_NAME', 'project_name'], ['OS_TENANT_ID', 'tenant_id'], ['OS_TENANT_NAME', 'tenant_name'],
    ['OS_PROJECT_DOMAIN_ID', 'project_domain_id'], ['OS_PROJECT_DOMAIN_NAME', 'project_domain_name']
];

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
    const single: Setting = (envName, key) => e(envName) ?? fromFile[key];

    const rawAuthUrl = single('OS_AUTH_URL', 'auth_url');
    if (rawAuthUrl === undefined) {
        throw new ServiceAccountError(`OS_AUTH_URL is required${where}`);
    }

    const userId = user.OS_USER_ID;
    const username = user.OS_USERNAME;
    const userDomainId = userDomain.OS_USER_DOMAIN_ID;
    const base = {
        authUrl: normaliseAuthUrl(rawAuthUrl),
        regionName: single('OS_REGION_NAME', 'region_name'),
        interface: parseInterface(e('OS_INTERFACE') ?? e('OS_ENDPOINT_TYPE') ?? fromFile.interface ?? fromFile.endpoint_type),
        tls: tlsFrom(env, fromFile, readFile),
        userId,
        username,
        userDomainId,
        userDomainName: userDomain.OS_USER_DOMAIN_NAME ?? (userDomainId === undefined ? 'Default' : undefined)
    };

    const authType = single('OS_AUTH_TYPE', 'auth_type');
    if (authType === 'v3applicationcredential') {
        return definedOnly<ApplicationCredentialAccount>({ ...base, kind: 'application_credential', ...applicationCredentialOf(single, where, userId ?? username) });
    }

    if (authType !== undefined && authType !== 'password' && authType !== 'v3password') {
        throw new ServiceAccountError(`OS_AUTH_TYPE "${authType}" is not supported: password (the default) or v3applicationcredential`);
    }

    const credential = ['OS_APPLICATION_CREDENTIAL_ID', 'OS_APPLICATION_CREDENTIAL_NAME', 'OS_APPLICATION_CREDENTIAL_SECRET'].find((name) => e(name) !== undefined);
    if (credential !== undefined) {
        throw new ServiceAccountError(`${credential} is set but OS_AUTH_TYPE is not v3applicationcredential: set it to authenticate with the application credential`);
    }

    const password = single('OS_PASSWORD', 'password');
    if (password === undefined) {
        throw new ServiceAccountError(`OS_PASSWORD is required${where}`);
    }

    if (userId === undefined && username === undefined) {
        throw new ServiceAccountError(`OS_USERNAME or OS_USER_ID is required${where}`);
    }

    const projectId = project.OS_PROJECT_ID ?? project.OS_TENANT_ID;
    const projectName = project.OS_PROJECT_NAME ?? project.OS_TENANT_NAME;
    const projectDomainId = projectDomain.OS_PROJECT_DOMAIN_ID;

    return definedOnly<PasswordAccount>({
        ...base,
        password,
        projectId,
        projectName,
        projectDomainId,
        projectDomainName: projectDomain.OS_PROJECT_DOMAIN_NAME ?? (projectName !== undefined && projectDomainId === undefined ? 'Default' : undefined)
    });
};

// The credential's id, or its name with the user that owns it, and its
// secret. A project setting is refused here: Keystone would answer 401
// ("Application credentials cannot request a scope") to every token request.
const applicationCredentialOf = (single: Setting, where: string, user: string | undefined):
    Pick<ApplicationCredentialAccount, 'applicationCredentialId' | 'applicationCredentialName' | 'secret'> => {
    const scoped = PROJECT_SETTINGS.find(([envName, key]) => single(envName, key) !== undefined);
    if (scoped !== undefined) {
        throw new ServiceAccountError(`${scoped[0]} (${scoped[1]} in clouds.yaml) cannot be used with an application credential: its project is the one it was created in, and Keystone refuses every other scope (unset it)`);
    }

    if (single('OS_PASSWORD', 'password') !== undefined) {
        throw new ServiceAccountError('OS_PASSWORD (password in clouds.yaml) is set with OS_AUTH_TYPE=v3applicationcredential: the secret is OS_APPLICATION_CREDENTIAL_SECRET (unset the password)');
    }

    const secret = single('OS_APPLICATION_CREDENTIAL_SECRET', 'application_credential_secret');
    if (secret === undefined) {
        throw new ServiceAccountError(`OS_APPLICATION_CREDENTIAL_SECRET is required with OS_AUTH_TYPE=v3applicationcredential${where}`);
    }

    const id = single('OS_APPLICATION_CREDENTIAL_ID', 'application_credential_id');
    const name = single('OS_APPLICATION_CREDENTIAL_NAME', 'application_credential_name');
    if (id === undefined && name === undefined) {
        throw new ServiceAccountError(`OS_APPLICATION_CREDENTIAL_ID (or OS_APPLICATION_CREDENTIAL_NAME with OS_USERNAME or OS_USER_ID) is required with OS_AUTH_TYPE=v3applicationcredential${where}`);
    }

    if (id === undefined && user === undefined) {
        throw new ServiceAccountError(`OS_APPLICATION_CREDENTIAL_NAME names a credential of a user: set OS_USERNAME (and OS_USER_DOMAIN_NAME) or OS_USER_ID too${where}`);
    }

    return { applicationCredentialId: id, applicationCredentialName: name, secret };
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
