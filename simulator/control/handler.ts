// /_sim: the same controls over HTTP, so a test can drive a simulator running
// in a child process. Not logged, never faulted.
import type { SimAdmin } from './admin';
import * as P from './parse';
import { empty, json, parseJson, queryObject, type SimRequest, type SimResponse } from '../http/messages';
import { matchRoute, type Params, type Route } from '../http/router';
import { SimInputError } from '../model/sim-error';
import type { SimState } from '../model/state';

interface Ctx {
    readonly state: SimState;
    readonly admin: SimAdmin;
    readonly req: SimRequest;
    readonly body: unknown;
}

const found = (ok: boolean): SimResponse => ok ? empty(204) : json(404, { error: 'not found' });

export const handleControl = async (state: SimState, admin: SimAdmin, req: SimRequest): Promise<SimResponse> => {
    const match = matchRoute(routes, req.method, req.path);
    if (match.kind !== 'found') {
        return json(match.kind === 'method' ? 405 : 404, { error: `no control route ${req.method} /_sim${req.path}` });
    }

    const parsed = parseJson(req.rawBody);
    if (!parsed.ok) {
        return json(400, { error: `malformed JSON: ${parsed.message}` });
    }

    try {
        return await match.route.handler({ state, admin, req, body: parsed.value }, match.params);
    }
    catch (err) {
        // Anything else is a bug: let it through.
        if (err instanceof SimInputError) { // $lab:coverage:ignore$
            return json(400, { error: err.message });
        }

        throw err; // $lab:coverage:ignore$
    }
};

const outage = ({ state, body }: Ctx): SimResponse => {
    const b = P.object(body);
    const on = P.optBoolean(b, 'on');
    if (on === undefined) {
        throw new SimInputError('on is required');
    }

    const retryAfterS = P.optNumber(b, 'retryAfterS');
    const service = P.optService(b, 'service');
    state.faults.outage(on, { ...(retryAfterS === undefined ? {} : { retryAfterS }), ...(service === undefined ? {} : { service }) });
    return empty(204);
};

// The answered requests, taken out of the log in one step, so a long run can
// read its log a page at a time and keep it small; a request still unanswered
// stays, to be taken with its status once answered.
const drainRequests = ({ state }: Ctx): SimResponse => {
    const answered = state.requests.filter((r) => r.status !== 0);
    const waiting = state.requests.filter((r) => r.status === 0);
    state.requests.length = 0;
    state.requests.push(...waiting);
    return json(200, { requests: answered });
};

const serverSpec = (value: unknown) => {
    const b = P.object(value);
    const status = P.optStatus(b, 'status');
    const metadata = P.optStringMap(b, 'metadata');
    const networks = P.optStringList(b, 'networks');
    return {
        projectId: P.string(b, 'projectId'),
        spec: { name: P.string(b, 'name'), ...(metadata ? { metadata } : {}), ...(status ? { status } : {}), ...(networks ? { networks } : {}) }
    };
};

const addServer = ({ admin, body }: Ctx): SimResponse => {
    const { projectId, spec } = serverSpec(body);
    return json(201, { server: admin.addServer(projectId, spec) });
};

// Many at once, for seeding a large project (a benchmark's 100,000 servers):
// {servers: [...]} → {ids}; every entry is read before any is added.
const addServers = ({ admin, body }: Ctx): SimResponse => {
    const servers = P.object(body).servers;
    if (!Array.isArray(servers)) {
        throw new SimInputError('servers must be an array');
    }

    const specs = servers.map(serverSpec);
    return json(201, { ids: specs.map(({ projectId, spec }) => admin.addServer(projectId, spec).id) });
};

const setStatus = ({ admin, body }: Ctx, { id }: Params): SimResponse => {
    const status = P.optStatus(P.object(body), 'status');
    if (status === undefined) {
        throw new SimInputError('status is required');
    }

    return found(admin.setServerStatus(id, status));
};

const addProject = ({ admin, body }: Ctx): SimResponse => {
    const b = P.object(body);
    const id = P.optString(b, 'id');
    const domain = P.optString(b, 'domain');
    return json(201, { project: admin.addProject({ name: P.string(b, 'name'), ...(id ? { id } : {}), ...(domain ? { domain } : {}) }) });
};

const grantRole = ({ admin, body }: Ctx): SimResponse => {
    const b = P.object(body);
    const domain = P.optString(b, 'domain');
    admin.grantRole({ userName: P.string(b, 'userName'), projectId: P.string(b, 'projectId'), role: P.string(b, 'role'), ...(domain ? { domain } : {}) });
    return empty(204);
};

const addUser = ({ admin, body }: Ctx): SimResponse => {
    const b = P.object(body);
    const domain = P.optString(b, 'domain');
    const defaultProjectId = P.optString(b, 'defaultProjectId');
    return json(201, {
        user: admin.addUser({
            name: P.string(b, 'name'),
            password: P.string(b, 'password'),
            roles: P.roles(b),
            ...(domain ? { domain } : {}),
            ...(defaultProjectId ? { defaultProjectId } : {})
        })
    });
};

const issueToken = ({ admin, body }: Ctx): SimResponse => {
    const b = P.object(body);
    const projectId = P.optString(b, 'projectId');
    const expiresInS = P.optNumber(b, 'expiresInS');
    const token = admin.issueToken({
        userName: P.string(b, 'userName'),
        ...(projectId ? { projectId } : {}),
        ...(expiresInS === undefined ? {} : { expiresInS })
    });
    return json(201, { token });
};

const setQuota = ({ admin, body }: Ctx, { projectId }: Params): SimResponse => {
    const b = P.object(body);
    const instances = b.instances;
    if (instances !== null && (typeof instances !== 'number' || !Number.isInteger(instances) || instances < 0)) {
        throw new SimInputError('instances must be a non-negative integer or null');
    }

    admin.setQuota(projectId, instances);
    return empty(204);
};

const routes: readonly Route<Ctx>[] = [
    { method: 'GET', pattern: '/', handler: ({ state }) => json(200, { ...state.endpoints, region: state.config.region }) },

    { method: 'GET', pattern: '/faults', handler: ({ state }) => json(200, { faults: state.faults.list().map(P.faultJson) }) },
    { method: 'POST', pattern: '/faults', handler: ({ state, body }) => json(201, { id: state.faults.add(P.faultRule(body)).id }) },
    { method: 'DELETE', pattern: '/faults', handler: ({ state }) => (state.faults.clear(), empty(204)) },
    { method: 'DELETE', pattern: '/faults/:id', handler: ({ state }, { id }) => found(state.faults.remove(id)) },
    { method: 'PUT', pattern: '/outage', handler: outage },

    { method: 'GET', pattern: '/requests', handler: ({ state }) => json(200, { requests: state.requests }) },
    { method: 'DELETE', pattern: '/requests', handler: ({ state }) => (state.requests.length = 0, empty(204)) },
    { method: 'POST', pattern: '/requests/drain', handler: drainRequests },

    { method: 'GET', pattern: '/servers', handler: ({ admin, req }) => json(200, { servers: admin.servers(queryObject(req.query).projectId) }) },
    { method: 'POST', pattern: '/servers', handler: addServer },
    { method: 'POST', pattern: '/servers/bulk', handler: addServers },
    { method: 'DELETE', pattern: '/servers/:id', handler: ({ admin }, { id }) => found(admin.deleteServerOutOfBand(id)) },
    { method: 'PUT', pattern: '/servers/:id/status', handler: setStatus },

    { method: 'POST', pattern: '/projects', handler: addProject },
    { method: 'POST', pattern: '/grants', handler: grantRole },
    { method: 'POST', pattern: '/users', handler: addUser },
    { method: 'DELETE', pattern: '/users/:name', handler: ({ admin }, { name }) => found(admin.deleteUser(name)) },
    { method: 'POST', pattern: '/tokens', handler: issueToken },
    { method: 'DELETE', pattern: '/tokens/:token', handler: ({ admin }, { token }) => found(admin.revokeToken(token)) },
    { method: 'PUT', pattern: '/quotas/:projectId', handler: setQuota },

    { method: 'GET', pattern: '/flavors', handler: ({ admin }) => json(200, { flavors: admin.flavors() }) },
    { method: 'POST', pattern: '/flavors', handler: ({ admin, body }) => json(201, { flavor: admin.addFlavor(P.flavorSpec(body)) }) },
    { method: 'GET', pattern: '/images', handler: ({ admin }) => json(200, { images: admin.images() }) },
    { method: 'POST', pattern: '/images', handler: ({ admin, body }) => json(201, { image: admin.addImage(P.imageSpec(body)) }) },
    { method: 'GET', pattern: '/networks', handler: ({ admin, req }) => json(200, { networks: admin.networks(queryObject(req.query).projectId) }) },
    { method: 'POST', pattern: '/networks', handler: ({ admin, body }) => json(201, { network: admin.addNetwork(P.networkSpec(body)) }) },
    {
        method: 'GET', pattern: '/security-groups',
        handler: ({ admin, req }) => json(200, { securityGroups: admin.securityGroups(queryObject(req.query).projectId) })
    },
    { method: 'POST', pattern: '/security-groups', handler: ({ admin, body }) => json(201, { securityGroup: admin.addSecurityGroup(P.securityGroupSpec(body)) }) },

    {
        method: 'GET', pattern: '/load-balancers',
        handler: ({ admin, req }) => json(200, { loadBalancers: admin.loadBalancers(queryObject(req.query).projectId) })
    },
    { method: 'POST', pattern: '/load-balancers', handler: ({ admin, body }) => json(201, { loadBalancer: admin.addLoadBalancer(P.loadBalancerSpec(body)) }) },
    {
        method: 'PUT', pattern: '/load-balancers/:id/status',
        handler: ({ admin, body }, { id }) => found(admin.setLoadBalancerStatus(id, P.provisioningStatus(body)))
    },
    { method: 'POST', pattern: '/listeners', handler: ({ admin, body }) => json(201, { listener: admin.addListener(P.listenerSpec(body)) }) },
    { method: 'GET', pattern: '/pools', handler: ({ admin, req }) => json(200, { pools: admin.pools(queryObject(req.query).projectId) }) },
    { method: 'POST', pattern: '/pools', handler: ({ admin, body }) => json(201, { pool: admin.addPool(P.poolSpec(body)) }) },
    { method: 'PUT', pattern: '/pools/:id/status', handler: ({ admin, body }, { id }) => found(admin.setPoolStatus(id, P.provisioningStatus(body))) },
    { method: 'GET', pattern: '/pools/:id/members', handler: ({ admin }, { id }) => json(200, { members: admin.members(id) }) },
    { method: 'POST', pattern: '/pools/:id/members', handler: ({ admin, body }, { id }) => json(201, { member: admin.addMember(P.poolMemberSpec(id, body)) }) }
];
