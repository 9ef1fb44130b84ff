import type { Caller } from '../http/caller';
import type { SimRequest } from '../http/messages';
import type { SimState } from '../model/state';

// What a load-balancer handler knows: the authenticated, project-scoped
// caller, and the time the request is answered at (statuses follow it).
export interface OctaviaCtx {
    readonly state: SimState;
    readonly req: SimRequest;
    readonly caller: Caller;
    readonly now: Date;
    readonly pathUrl: string;      // the request's URL without its query, for paging links (pecan's path_url)
    readonly limit: number | null; // a GET's page size (read for every GET, as Octavia's hook does); null: no limit
}
