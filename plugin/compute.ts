// The Compute the converger talks to, made at each start and closed at each stop.
import { GuardedCompute } from '../adapters/nova/guarded-compute';
import { NovaCompute } from '../adapters/nova/compute';
import type { Compute } from '../core/ports/compute';
import { regionOf, type Runtime } from './runtime';

// The host's own Compute as given; otherwise Nova as the service account,
// behind a breaker, Retry-After holds and a creation budget per region.
export const computeOf = (runtime: Runtime): { compute: Compute; close(): void } | null => {
    const { openstack, clock } = runtime.settings;
    if (openstack.compute) {
        return { compute: openstack.compute, close: () => { } };
    }

    if (!openstack.serviceAccount) {
        return null;
    }

    const guarded = new GuardedCompute(new NovaCompute(openstack.serviceAccount, { clock }), {
        clock, defaultRegion: regionOf(runtime) ?? openstack.serviceAccount.regionName ?? 'default'
    });
    return { compute: guarded, close: () => guarded.close() };
};
