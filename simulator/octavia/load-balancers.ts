// GET /lbaas/loadbalancers, /lbaas/listeners and /lbaas/pools, each by id or
// listed. Read-only here: the simulator's own calls make them. A project
// lists its own; an admin every project's (or one, with ?project_id=).
import { octaviaError } from '../http/errors';
import { json, type SimResponse } from '../http/messages';
import type { Params, Route } from '../http/router';
import type { ListenerRecord, LoadBalancerRecord, PoolRecord } from '../model/load-balancers';
import type { SimState } from '../model/state';
import type { OctaviaCtx } from './context';
import { allowed, FORBIDDEN } from './policy';
import { listing, pickFields, type Listed } from './query';
import { listenerBody, loadBalancerBody, poolBody } from './render';

interface Owned extends Listed {
    readonly projectId: string;
}

// One kind of object: how it is found, named in a 404 and rendered.
interface Kind<R extends Owned> {
    readonly singular: string;                        // the JSON key of a show
    readonly collection: string;                      // ... and of a listing
    readonly resource: string;                        // Octavia's name for it in "<resource> <id> not found."
    readonly find: (state: SimState, id: string) => R | undefined;
    readonly all: (state: SimState) => readonly R[];
    readonly render: (ctx: OctaviaCtx, record: R) => Record<string, unknown>;
    readonly filterable: ReadonlySet<string>;
    readonly derived?: Readonly<Record<string, (record: R) => unknown>>;
}

const show = <R extends Owned>(kind: Kind<R>) => (ctx: OctaviaCtx, { id }: Params): SimResponse => {
    const record = kind.find(ctx.state, id);
    if (!record) {
        return octaviaError(404, `${kind.resource} ${id} not found.`);
    }

    if (!allowed(ctx.caller, record.projectId, 'read')) {
        return octaviaError(403, FORBIDDEN);
    }

    return json(200, { [kind.singular]: pickFields(ctx.req.query, kind.render(ctx, record)) });
};

// Octavia's _auth_get_all: an admin sees every project's (?project_id= narrows
// it, as any filter); anyone else lists one project, their own unless they
// name another, which then needs a role on it (403 otherwise).
const list = <R extends Owned>(kind: Kind<R>) => (ctx: OctaviaCtx): SimResponse => {
    const { caller, req, state } = ctx;
    let records = kind.all(state);
    if (!caller.viewer.admin) {
        const projectId = req.query.get('project_id') ?? caller.project.id;
        if (!allowed(caller, projectId, 'read')) {
            return octaviaError(403, FORBIDDEN);
        }

        records = records.filter((r) => r.projectId === projectId);
    }

    return listing(ctx, {
        collection: kind.collection, records, render: (r) => kind.render(ctx, r), filterable: kind.filterable, ...(kind.derived ? { derived: kind.derived } : {}), marker: (id) => kind.find(state, id)
    });
};

const COMMON = ['id', 'name', 'description', 'provisioning_status', 'operating_status', 'admin_state_up', 'project_id'];

const loadBalancers: Kind<LoadBalancerRecord> = {
    singular: 'loadbalancer',
    collection: 'loadbalancers',
    resource: 'Load Balancer',
    find: (state, id) => state.loadBalancers.loadBalancer(id),
    all: (state) => state.loadBalancers.listLoadBalancers(),
    render: ({ now }, lb) => loadBalancerBody(lb, now),
    filterable: new Set([...COMMON, 'vip_address', 'vip_port_id', 'vip_subnet_id', 'vip_network_id', 'provider'])
};

const listeners: Kind<ListenerRecord> = {
    singular: 'listener',
    collection: 'listeners',
    resource: 'Listener',
    find: (state, id) => state.loadBalancers.listener(id),
    all: (state) => state.loadBalancers.listListeners(),
    render: ({ now }, listener) => listenerBody(listener, now),
    filterable: new Set([...COMMON, 'protocol', 'protocol_port', 'default_pool_id', 'connection_limit']),
    derived: { loadbalancer_id: (listener) => listener.loadBalancerId }
};

const pools: Kind<PoolRecord> = {
    singular: 'pool',
    collection: 'pools',
    resource: 'Pool',
    find: (state, id) => state.loadBalancers.pool(id),
    all: (state) => state.loadBalancers.listPools(),
    render: ({ state, now }, pool) => poolBody(pool, state.loadBalancers.poolMembers(pool, now).map((m) => m.id), now),
    filterable: new Set([...COMMON, 'protocol', 'lb_algorithm', 'healthmonitor_id', 'tls_enabled']),
    derived: { loadbalancer_id: (pool) => pool.loadBalancerId }
};

export const loadBalancerRoutes: readonly Route<OctaviaCtx>[] = [
    { method: 'GET', pattern: '/lbaas/loadbalancers', handler: list(loadBalancers) },
    { method: 'GET', pattern: '/lbaas/loadbalancers/:id', handler: show(loadBalancers) },
    { method: 'GET', pattern: '/lbaas/listeners', handler: list(listeners) },
    { method: 'GET', pattern: '/lbaas/listeners/:id', handler: show(listeners) },
    { method: 'GET', pattern: '/lbaas/pools', handler: list(pools) },
    { method: 'GET', pattern: '/lbaas/pools/:id', handler: show(pools) }
];
