// What each Keystone route handler is given: the simulator's state and the request.
import type { SimRequest } from '../http/messages';
import type { SimState } from '../model/state';

export interface Ctx {
    readonly state: SimState;
    readonly req: SimRequest;
}
