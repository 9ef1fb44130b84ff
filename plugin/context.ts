// What every route needs: the engine it calls, the settings, and how to build
// absolute links under whatever prefix the host mounted us at. Made once at
// register; nothing in it changes afterwards.
import type { Request, RouteOptions } from '@hapi/hapi';
import type { Engine } from '../core/engine/engine';
import type { TenantId } from '../core/model/ids';
import { CustomerToken } from '../core/ports/launch-visibility';
import { ADMIN_SCOPE, TENANT_SCOPE } from './auth';
import type { Settings } from './options';

export interface Context {
    readonly settings: Settings;
    readonly prefix: string;
    readonly strategy: string;
    readonly engine: Engine;
}

// The configured public URL, else the request's scheme and Host.
export const origin = (context: Context, request: Request): string =>
    context.settings.publicUrl ?? `${request.server.info.protocol}://${request.info.host}`;

// scheme://host/prefix/v1.0: capability URLs hang off this.
export const apiRoot = (context: Context, request: Request): string => `${origin(context, request)}${context.prefix}/v1.0`;

// scheme://host/prefix/v1.0/{tenantId}: every tenant resource hangs off this.
export const tenantRoot = (context: Context, request: Request, tenantId: TenantId): string => `${apiRoot(context, request)}/${encodeURIComponent(tenantId)}`;

// A tenant's own token, or an admin's, may use a tenant route (contract §2).
// The admin role on the admin project only (contract §5).
export const adminAuth = (context: Context): RouteOptions['auth'] => ({ strategy: context.strategy, access: { scope: [ADMIN_SCOPE] } });

export const tenantAuth = (context: Context): RouteOptions['auth'] => ({
    strategy: context.strategy,
    access: { scope: TENANT_SCOPE }
});

// Who did it, for the activity log.
export const whoOf = (request: Request): string => {
    const user: unknown = request.auth.credentials?.user;
    if (user && typeof user === 'object' && 'name' in user && typeof user.name === 'string') {
        return user.name;
    }

    return 'unknown';
};

// The writer's own X-Auth-Token, to ask OpenStack what their project can see
// (null: the host's auth strategy took none).
export const customerToken = (request: Request): CustomerToken | null => {
    const token = request.headers['x-auth-token'];
    return typeof token === 'string' && token.trim() !== '' ? CustomerToken(token.trim()) : null;
};
