// Where a tenant's servers live (the compute endpoint), for the links of a
// group's active servers. A view must not fail for want of a link: without a
// running Compute that can say, on a failure (Keystone down) or past 2 s, the
// answer is no endpoint, with the warning that says why.
import type { TenantId } from '../model/ids';
import type { Compute } from '../ports/compute';
import type { Scheduler, Timer } from '../ports/scheduler';

export interface EndpointAnswer {
    readonly endpoint: string | null;
    readonly warning: string | null;
}

export const ENDPOINT_WAIT_MS = 2000;

export const serverEndpoint = async (compute: Compute | null, scheduler: Scheduler, tenantId: TenantId, region: string | null): Promise<EndpointAnswer> => {
    if (compute?.endpoint === undefined) {
        return { endpoint: null, warning: null };
    }

    let timer: Timer | null = null;
    try {
        // A Keystone that hangs costs the view its links, not its answer.
        const endpoint = await Promise.race([
            compute.endpoint({ projectId: tenantId, region }),
            new Promise<never>((_, reject) => {
                timer = scheduler.after(ENDPOINT_WAIT_MS, () => reject(new Error(`No compute endpoint within ${ENDPOINT_WAIT_MS} ms`)));
            })
        ]);
        if (endpoint !== null && !URL.canParse(endpoint)) {
            return { endpoint: null, warning: `The compute endpoint "${endpoint}" is not an absolute URL: no server links` };
        }

        return { endpoint, warning: null };
    }
    catch (err) {
        return { endpoint: null, warning: err instanceof Error ? err.message : String(err) };
    }
    finally {
        (timer as Timer | null)?.cancel();   // the timer goes with the answer, not 2 s later
    }
};
