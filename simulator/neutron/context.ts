import type { Caller } from '../http/caller';
import type { SimRequest } from '../http/messages';
import type { SimState } from '../model/state';

// What a network handler knows: the authenticated, project-scoped caller.
export interface NeutronCtx {
    readonly state: SimState;
    readonly req: SimRequest;
    readonly caller: Caller;
}
