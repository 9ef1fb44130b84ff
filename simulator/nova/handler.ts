// Nova under /compute/v2.1: the caller's token (checked as keystonemiddleware
// would), the microversion, then the route. Servers are the token's project's.
import { scopedCaller } from '../http/caller';
import { novaError, unauthenticated } from '../http/errors';
import { json, type SimRequest, type SimResponse } from '../http/messages';
import { format, MAX_VERSION, MIN_VERSION, negotiate, requestedMicroversion, versionHeaders } from './microversion';
import type { NovaCtx } from './context';
import { resourceRoutes } from './resources';
import { serverRoutes } from './servers';
import { matchRoute } from '../http/router';
import type { SimState } from '../model/state';

const routes = [...serverRoutes, ...resourceRoutes];

export const handleCompute = async (state: SimState, req: SimRequest): Promise<SimResponse> => {
    // The version document needs no token, like Nova's.
    if (req.path === '/' && req.method === 'GET') {
        return versionDocument(state);
    }

    const caller = scopedCaller(state, req);
    if (!caller) {
        return unauthenticated(state.endpoints.authUrl);
    }

    const negotiated = negotiate(requestedMicroversion(req));
    if (!negotiated.ok) {
        return novaError(negotiated.status, negotiated.message);
    }

    const ctx: NovaCtx = { state, req, ...caller, version: negotiated.version };
    const match = matchRoute(routes, req.method, req.path);
    const response = match.kind === 'found'
        ? await match.route.handler(ctx, match.params)
        : match.kind === 'method' ? novaError(405, 'The method is not allowed for the requested URL.') : novaError(404, 'The resource could not be found.');
    response.headers = { ...versionHeaders(negotiated.version), ...response.headers };
    return response;
};

const versionDocument = (state: SimState): SimResponse => {
    return json(200, {
        version: {
            id: 'v2.1',
            status: 'CURRENT',
            version: format(MAX_VERSION),
            min_version: format(MIN_VERSION),
            updated: '2013-07-23T11:33:21Z',
            links: [{ rel: 'self', href: `${state.endpoints.computeUrl}/` }, { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }],
            'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }]
        }
    });
};
