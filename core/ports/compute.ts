// The compute port: Nova as the converger needs it, spoken as the service
// account scoped to the group's tenant project (contract §2). Adapters throw
// ComputeError; nothing else escapes.

export interface NovaServer {
    readonly id: string;
    readonly name: string;
    readonly status: string;              // BUILD | ACTIVE | ERROR | SHUTOFF | DELETED | ... as Nova says
    readonly taskState: string | null;    // e.g. 'deleting'
    readonly metadata: Readonly<Record<string, string>>;
    readonly created: Date;
}

export type ComputeErrorKind =
    | 'bad_request'    // 400: the customer's launch config (bad image, flavor, network)
    | 'unauthorized'   // 401 after one re-authentication
    | 'quota'          // 403: quota or policy
    | 'not_found'      // 404
    | 'over_limit'     // 413/429: rate limited; retryAfterS when Nova says
    | 'unavailable'    // 503; retryAfterS when Nova says
    | 'server_error'   // other 5xx
    | 'timeout'        // no answer in time: the request may or may not have happened
    | 'network'        // could not reach Nova
    // Raised by GuardedCompute without a request to Nova; expected outcomes the converger records.
    | 'breaker_open'   // the region's breaker is open: Nova is failing, nothing was sent
    | 'held';          // Retry-After not yet elapsed, or over the creation budget; retryAfterS = seconds to wait

export class ComputeError extends Error {
    constructor(
        readonly kind: ComputeErrorKind,
        message: string,
        readonly status: number | null = null,
        readonly retryAfterS: number | null = null
    ) {
        super(message);
        this.name = 'ComputeError';
    }
}

// Where a group's servers live: its tenant's project, in a region.
export interface ComputeScope {
    readonly projectId: string;
    readonly region: string | null;
}

export interface Compute {
    // `server` is the launch configuration's args.server with our name and metadata added.
    createServer(scope: ComputeScope, server: Readonly<Record<string, unknown>>): Promise<{ readonly id: string }>;
    // Every page (limit + marker), or a ComputeError: never a partial list.
    listServers(scope: ComputeScope): Promise<readonly NovaServer[]>;
    showServer(scope: ComputeScope, serverId: string): Promise<NovaServer | null>;
    // 'gone' when Nova answers 404: the server is already deleted.
    deleteServer(scope: ComputeScope, serverId: string): Promise<'deleting' | 'gone'>;
    // Where the scope's servers are reached (the catalog's compute URL, as
    // `https://host/compute/v2.1`), for their links in a group's state; null
    // when this Compute cannot say. Optional: a Compute without it shows no links.
    endpoint?(scope: ComputeScope): Promise<string | null>;
}
