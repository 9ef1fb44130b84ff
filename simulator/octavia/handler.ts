// Octavia v2 under /load-balancer: the version list (no token), then the
// caller's token (checked as keystonemiddleware would), then the API at /v2
// or /v2.0 (Octavia serves both). Routing looks a member path's pool up first,
// as Octavia's pool controller does, and every GET reads its page size.
import { scopedCaller } from '../http/caller';
import { pecanError, unauthenticated } from '../http/errors';
import { json, type SimRequest, type SimResponse } from '../http/messages';
import { matchRoute } from '../http/router';
import type { SimState } from '../model/state';
import type { OctaviaCtx } from './context';
import { loadBalancerRoutes } from './load-balancers';
import { memberRoutes } from './members';
import { parseLimit } from './query';

const routes = [...loadBalancerRoutes, ...memberRoutes];

export const handleLoadBalancer = async (state: SimState, req: SimRequest): Promise<SimResponse> => {
    const root = `${req.origin}/load-balancer`;
    if (req.path === '/' && req.method === 'GET') {
        return json(200, {
            versions: [
                { id: 'v2.0', status: 'SUPPORTED', updated: '2016-12-11T00:00:00Z', links: [{ href: `${root}/v2`, rel: 'self' }] },
                { id: 'v2.30', status: 'CURRENT', updated: '2025-02-26T00:00:00Z', links: [{ href: `${root}/v2`, rel: 'self' }] }
            ]
        });
    }

    const caller = scopedCaller(state, req);
    if (!caller) {
        return unauthenticated(state.endpoints.authUrl);
    }

    const api = /^\/v2(?:\.0)?(\/.*)$/.exec(req.path);
    const match = api ? matchRoute(routes, req.method, api[1] as string) : { kind: 'none' as const };
    if (match.kind !== 'found') {
        return match.kind === 'method' ? pecanError(405, 'Method Not Allowed', null) : pecanError(404, 'Not Found', null);
    }

    // A member path under a pool that does not exist fails in routing, before wsme sees the request.
    const { poolId } = match.params;
    if (poolId !== undefined && !state.loadBalancers.pool(poolId)) {
        return pecanError(404, 'Bad Request', `Pool ${poolId} not found.`);
    }

    const limit = req.method === 'GET' ? parseLimit(req.query) : null;
    if (limit !== null && typeof limit !== 'number') {
        return limit;
    }

    const ctx: OctaviaCtx = { state, req, caller, now: state.now(), pathUrl: `${root}${req.path}`, limit };
    return match.route.handler(ctx, match.params);
};
