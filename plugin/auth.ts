// The `keystone-token` hapi auth scheme: X-Auth-Token checked by a
// TokenValidator; tenancy is left to hapi's route scopes (TENANT_SCOPE).
import Boom from '@hapi/boom';
import type { Request, ResponseToolkit, Server, ServerAuthSchemeObject } from '@hapi/hapi';
import Joi from 'joi';
import { DomainError } from '../core/model/errors';
import type { TokenInfo, TokenValidator } from '../core/ports/identity';

export const KEYSTONE_SCHEME = 'keystone-token';
export const ADMIN_SCOPE = 'admin';

// For a route under /{tenantId}/: own project, or the admin role. hapi answers 403 otherwise.
export const TENANT_SCOPE: string[] = Object.freeze(['tenant-{params.tenantId}', ADMIN_SCOPE]) as string[];

export const tenantScope = (projectId: string): string => `tenant-${projectId}`;

export interface KeystoneSchemeOptions {
    readonly validator: TokenValidator;
    readonly adminRole: string;
    // The project (name or id) on which adminRole makes an admin (contract §2);
    // the role on any other project is only that project's member.
    readonly adminProject: string;
}

export interface KeystoneUser {
    readonly id: string;
    readonly name: string;
}

export interface KeystoneCredentials {
    readonly user: KeystoneUser;
    readonly projectId: string | null;
    readonly roles: string[];
    readonly isAdmin: boolean;
    readonly scope: string[];
}

const optionsSchema = Joi.object<KeystoneSchemeOptions>({
    validator: Joi.object({ validate: Joi.function().required() }).unknown().required(),
    adminRole: Joi.string().min(1).required(),
    adminProject: Joi.string().min(1).required()
});

export const registerKeystoneScheme = (server: Server): void => {
    server.auth.scheme(KEYSTONE_SCHEME, keystoneScheme);
};

const keystoneScheme = (_server: Server, rawOptions?: object): ServerAuthSchemeObject => {
    const options = Joi.attempt(rawOptions, optionsSchema, `${KEYSTONE_SCHEME} options:`);
    return {
        authenticate: async (request: Request, h: ResponseToolkit) => {
            const token = request.headers['x-auth-token'];
            if (typeof token !== 'string' || token.trim() === '') {
                throw Boom.unauthorized('Missing X-Auth-Token', 'Keystone');
            }

            let info: TokenInfo | null;
            try {
                info = await options.validator.validate(token.trim());
            }
            catch (err) {
                if (err instanceof DomainError && err.kind === 'unavailable') {
                    request.log(['nova-autoscale', 'auth', 'keystone', 'error'], err);
                    // The cause (URLs, account names) goes to the log, not to the client.
                    throw Boom.serverUnavailable('Identity service unavailable: cannot validate X-Auth-Token', { type: err.type });
                }

                throw err;
            }

            if (info === null) {
                throw Boom.unauthorized('Invalid or expired X-Auth-Token', 'Keystone');
            }

            const credentials: KeystoneCredentials = credentialsOf(info, options.adminRole, options.adminProject);
            return h.authenticated({ credentials: { ...credentials } });
        }
    };
};

// Role names compare without case, as oslo.policy's role: check does. The
// role counts only on the admin project: Keystone's known trap is an admin
// role scoped to any project, which would make every project's admin ours.
export const credentialsOf = (info: TokenInfo, adminRole: string, adminProject: string): KeystoneCredentials => {
    const onAdminProject = info.projectId !== null && (info.projectId === adminProject || info.projectName === adminProject);
    const isAdmin = onAdminProject && info.roles.some((role) => role.toLowerCase() === adminRole.toLowerCase());
    const scope = info.projectId === null ? [] : [tenantScope(info.projectId)];
    return {
        user: { id: info.userId, name: info.userName },
        projectId: info.projectId,
        roles: [...info.roles],
        isAdmin,
        scope: isAdmin ? [...scope, ADMIN_SCOPE] : scope
    };
};

const isKeystoneCredentials = (value: unknown): value is KeystoneCredentials => {
    if (typeof value !== 'object' || value === null) {
        return false;
    }

    const c = value as Record<string, unknown>;
    const user = c.user as Record<string, unknown> | undefined;
    return typeof user === 'object' && user !== null && typeof user.id === 'string' &&
        (c.projectId === null || typeof c.projectId === 'string') &&
        Array.isArray(c.roles) && typeof c.isAdmin === 'boolean' && Array.isArray(c.scope);
};

// The caller of a route authenticated by this scheme. A route without it is a wiring bug: 500.
export const keystoneCredentials = (request: Request): KeystoneCredentials => {
    const credentials: unknown = request.auth.credentials;
    if (!request.auth.isAuthenticated || !isKeystoneCredentials(credentials)) {
        throw Boom.badImplementation(`route ${request.route.path} is not authenticated by ${KEYSTONE_SCHEME}`);
    }

    return credentials;
};
