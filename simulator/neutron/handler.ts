// Neutron v2.0 under /networking: the caller's token (checked as
// keystonemiddleware would), then the route. Networks, their subnets and security groups, read-only.
import { scopedCaller } from '../http/caller';
import { neutronError, unauthenticated } from '../http/errors';
import { json, type SimRequest, type SimResponse } from '../http/messages';
import { matchRoute } from '../http/router';
import type { SimState } from '../model/state';
import type { NeutronCtx } from './context';
import { networkRoutes } from './networks';
import { securityGroupRoutes } from './security-groups';
import { subnetRoutes } from './subnets';

const routes = [...networkRoutes, ...subnetRoutes, ...securityGroupRoutes];

export const handleNetwork = async (state: SimState, req: SimRequest): Promise<SimResponse> => {
    // The version list needs no token, like Neutron's.
    if (req.path === '/' && req.method === 'GET') {
        return json(200, { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${state.endpoints.networkUrl}/v2.0/` }] }] });
    }

    const caller = scopedCaller(state, req);
    if (!caller) {
        return unauthenticated(state.endpoints.authUrl);
    }

    const ctx: NeutronCtx = { state, req, caller };
    const match = matchRoute(routes, req.method, req.path);
    if (match.kind === 'found') {
        return match.route.handler(ctx, match.params);
    }

    return match.kind === 'method'
        ? neutronError(405, 'HTTPMethodNotAllowed', 'The method is not allowed for this resource.')
        : neutronError(404, 'HTTPNotFound', 'The resource could not be found.');
};
