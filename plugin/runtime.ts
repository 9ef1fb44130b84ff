// What every route needs: the store once it is ready, the settings, and how
// to build absolute links under whatever prefix the host mounted us at.
import type { Request, RouteOptions } from '@hapi/hapi';
import { DomainError } from '../core/model/errors';
import { TENANT_SCOPE } from './auth';
import type { GroupId, TenantId } from '../core/model/ids';
import type { AlertIntake } from '../core/model/alert';
import type { Compute } from '../core/ports/compute';
import type { Store } from '../core/ports/store';
import type { Settings } from './options';

export interface Runtime {
    readonly settings: Settings;
    readonly prefix: string;
    readonly strategy: string;
    current: Store | null;
    // Alert transitions, in process (plugin/alerts.ts sets it at register).
    alerts: AlertIntake | null;
    // Asks the converger to look at a group soon (a no-op without one).
    kick: (groupId: GroupId) => void;
    // The converger's Compute while it runs (null before start and after stop,
    // or without one): the routes ask it where servers live, for their links.
    compute: Compute | null;
}

export const storeOf = (runtime: Runtime): Store => {
    if (!runtime.current) {
        throw new DomainError('unavailable', 'NotReadyError', 'The database is not ready yet');
    }

    return runtime.current;
};

const origin = (request: Request): string => `${request.server.info.protocol}://${request.info.host}`;

// scheme://host/prefix/v1.0: capability URLs hang off this.
export const apiRoot = (runtime: Runtime, request: Request): string => `${origin(request)}${runtime.prefix}/v1.0`;

// scheme://host/prefix/v1.0/{tenantId}: every tenant resource hangs off this.
export const tenantRoot = (runtime: Runtime, request: Request, tenantId: TenantId): string => `${apiRoot(runtime, request)}/${encodeURIComponent(tenantId)}`;

// A tenant's own token, or an admin's, may use a tenant route (contract §2).
export const tenantAuth = (runtime: Runtime): RouteOptions['auth'] => ({
    strategy: runtime.strategy,
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

// The region kill-switches of this installation's groups are matched against.
export const regionOf = (runtime: Runtime): string | null =>
    runtime.settings.region ?? runtime.settings.openstack.serviceAccount?.regionName ?? null;
