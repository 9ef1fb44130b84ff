// Glance v2 under /image: the caller's token (checked as keystonemiddleware
// would), then the route. Only images are served, read-only.
import { scopedCaller } from '../http/caller';
import { glanceError, unauthenticated } from '../http/errors';
import { json, type SimRequest, type SimResponse } from '../http/messages';
import { matchRoute } from '../http/router';
import type { SimState } from '../model/state';
import { imageRoutes } from './images';

export const handleImage = async (state: SimState, req: SimRequest): Promise<SimResponse> => {
    // The version list needs no token; Glance answers it 300 Multiple Choices.
    if (req.path === '/' && req.method === 'GET') {
        return json(300, { versions: [{ id: 'v2.16', status: 'CURRENT', links: [{ rel: 'self', href: `${state.endpoints.imageUrl}/v2/` }] }] });
    }

    const caller = scopedCaller(state, req);
    if (!caller) {
        return unauthenticated(state.endpoints.authUrl);
    }

    const match = matchRoute(imageRoutes, req.method, req.path);
    if (match.kind === 'found') {
        return match.route.handler({ state, req, caller }, match.params);
    }

    return match.kind === 'method' ? glanceError(405, 'The method is not allowed for this resource.') : glanceError(404, 'The resource could not be found.');
};
