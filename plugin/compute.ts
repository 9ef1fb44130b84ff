// The Compute the converger talks to, made at each start and closed at each
// stop; the state routes ask the same one where its servers live.
import type { Request } from '@hapi/hapi';
import { setTimeout as sleep } from 'node:timers/promises';
import { GuardedCompute } from '../adapters/nova/guarded-compute';
import { NovaCompute } from '../adapters/nova/compute';
import type { TenantId } from '../core/model/ids';
import type { Compute } from '../core/ports/compute';
import { regionOf, type Runtime } from './runtime';

// The host's own Compute as given; otherwise Nova as the service account,
// behind a breaker, Retry-After holds and a creation budget per region.
export const computeOf = (runtime: Runtime): { compute: Compute; close(): void } | null => {
    const { openstack, clock, converger } = runtime.settings;
    if (openstack.compute) {
        return { compute: openstack.compute, close: () => { } };
    }

    if (!openstack.serviceAccount) {
        return null;
    }

    const guarded = new GuardedCompute(new NovaCompute(openstack.serviceAccount, { clock }), {
        clock,
        defaultRegion: regionOf(runtime) ?? openstack.serviceAccount.regionName ?? 'default',
        breaker: converger.breaker,
        createBudget: converger.createBudget
    });
    return { compute: guarded, close: () => guarded.close() };
};

// The compute endpoint of the tenant's servers, for their links in a group's
// state. null (no links) without a running Compute that can say, or when it
// fails (Keystone down): a view must not fail for want of a link.
const ENDPOINT_WAIT_MS = 2000;

export const computeEndpointOf = async (runtime: Runtime, request: Request, tenantId: TenantId): Promise<string | null> => {
    const compute = runtime.compute;
    if (compute?.endpoint === undefined) {
        return null;
    }

    const warn = (message: string) => request.log(['nova-autoscale', 'links', 'warning'], message);
    const waiting = new AbortController();
    try {
        // A Keystone that hangs costs the view its links, not its answer.
        const endpoint = await Promise.race([
            compute.endpoint({ projectId: tenantId, region: regionOf(runtime) }),
            sleep(ENDPOINT_WAIT_MS, null, { signal: waiting.signal }).then(() => { throw new Error(`No compute endpoint within ${ENDPOINT_WAIT_MS} ms`); })
        ]);
        if (endpoint !== null && !URL.canParse(endpoint)) {
            warn(`The compute endpoint "${endpoint}" is not an absolute URL: no server links`);
            return null;
        }

        return endpoint;
    }
    catch (err) {
        warn(err instanceof Error ? err.message : String(err));
        return null;
    }
    finally {
        waiting.abort();   // the timer goes with the answer, not 2 s later
    }
};
