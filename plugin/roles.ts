// Roles, OpenStack's personas (contract §10): every role on the project may read;
// a write (every method but GET) needs a writer's role there, `member` or the
// older `_member_`, or the admin role (which on the admin project also opens
// every tenant and the admin routes). A reader's write is refused before its
// handler runs, so nothing changes. A host's own auth strategy whose
// credentials carry `roles` is held to the same rule; one carrying none has
// decided for itself.
import Boom from '@hapi/boom';
import type { ServerExtEventsRequestObject } from '@hapi/hapi';
import { mayWrite } from '../core/decide/write-role';
import { ADMIN_SCOPE } from './auth';

const READS: ReadonlySet<string> = new Set(['get', 'head', 'options']);

const rolesOf = (credentials: unknown): readonly string[] | null => {
    const roles: unknown = credentials !== null && typeof credentials === 'object' && 'roles' in credentials ? credentials.roles : undefined;
    return Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : null;
};

const scopeOf = (credentials: unknown): readonly unknown[] => {
    const scope: unknown = credentials !== null && typeof credentials === 'object' && 'scope' in credentials ? credentials.scope : undefined;
    return Array.isArray(scope) ? scope : [];
};

// After hapi's own scope check (onPostAuth): the tenant is the caller's by then.
export const writeRoles = (adminRole: string): ServerExtEventsRequestObject => ({
    type: 'onPostAuth',
    method: (request, h) => {
        if (READS.has(request.method) || !request.auth.isAuthenticated) {
            return h.continue;
        }

        const roles = rolesOf(request.auth.credentials);
        if (roles === null || scopeOf(request.auth.credentials).includes(ADMIN_SCOPE) || mayWrite(roles, adminRole)) {
            return h.continue;
        }

        throw Boom.forbidden(`A write needs the member role on the project; this token has ${roles.length === 0 ? 'no role' : roles.join(', ')}`, { reason: 'role' });
    },
    options: { sandbox: 'plugin' }
});
