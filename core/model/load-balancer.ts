// Why a call to Octavia about load-balancer members failed: the words the
// built-in workflow decides with (contract §7). Octavia adapters throw
// LoadBalancerError; nothing else escapes.

export type LoadBalancerErrorKind =
    | 'busy'                // 409: the load balancer or pool is PENDING_* ("immutable"): wait and ask again
    | 'pool_gone'           // 404 on the pool, or a pool of another project: a refusal
    | 'load_balancer_gone'  // 404 on the load balancer, or one of another project: a refusal
    | 'refused'             // 400, 409 duplicate address and port, other 4xx: a refusal
    | 'quota'               // 403 "Quota has been met": a refusal until the quota moves
    | 'unauthorized'        // 401 twice, or Keystone refusing the service account for the project
    | 'forbidden'           // 403: no load-balancer role on the project (or the object is another project's)
    | 'over_limit'          // 413, 429: slow down (retryAfterS when named)
    | 'unavailable'         // 503, Keystone down, no load-balancer endpoint (retryAfterS when named)
    | 'server_error'        // 5xx, or an answer we cannot read
    | 'timeout'             // no answer within the deadline: the change may have happened
    | 'network'             // could not talk to Octavia at all
    | 'breaker_open'        // Octavia failing in that region: nothing sent
    | 'held';               // Retry-After or the member creation budget: nothing sent

export class LoadBalancerError extends Error {
    constructor(
        readonly kind: LoadBalancerErrorKind,
        message: string,
        readonly status: number | null = null,
        readonly retryAfterS: number | null = null
    ) {
        super(message);
        this.name = 'LoadBalancerError';
    }
}

// Where a group's servers join (contract §7, launchConfiguration.args.loadBalancers):
// a pool, or every pool of a load balancer (Otter's `{loadBalancerId, port}`).
export interface PoolTarget {
    readonly poolId: string;
    readonly port: number;
    readonly subnetId?: string;       // the member's address is the server's fixed IPv4 in this subnet
    readonly weight?: number;         // Octavia's default (1) when unset
}

export interface LoadBalancerTarget {
    readonly loadBalancerId: string;
    readonly port: number;
}

export type MemberTarget = PoolTarget | LoadBalancerTarget;

export const maxLoadBalancers = 5;
export const drainingTimeoutLimits = { min: 0, max: 3600, default: 0 } as const;
// Octavia's member weights; 0 takes no new connections (a member draining).
export const memberWeightLimits = { min: 1, max: 256 } as const;

// Which kinds Octavia says no with (waiting will not change it), as opposed
// to a busy load balancer, an outage or a guard: those are waited out.
const refusals: ReadonlySet<LoadBalancerErrorKind> = new Set<LoadBalancerErrorKind>(['pool_gone', 'load_balancer_gone', 'refused', 'quota', 'forbidden']);
export const isRefusal = (kind: LoadBalancerErrorKind): boolean => refusals.has(kind);
