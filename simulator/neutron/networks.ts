// GET /v2.0/networks and /v2.0/networks/{id}: a project's own networks and the
// shared ones; not found (404, never 403) when the caller may not see it.
import { neutronError } from '../http/errors';
import { json, type SimResponse } from '../http/messages';
import type { Params, Route } from '../http/router';
import { networkVisible } from '../model/networks';
import type { NeutronCtx } from './context';
import { applyQuery } from './query';
import { networkBody } from './render';

const ATTRIBUTES = networkBody({ id: '', projectId: '', name: '', shared: false, subnet: { id: '', name: '', cidr: '', gatewayIp: '' }, created: new Date(0) });

const show = ({ state, caller }: NeutronCtx, { id }: Params): SimResponse => {
    const network = state.networks.get(id);
    return network && networkVisible(network, caller.viewer)
        ? json(200, { network: networkBody(network) })
        : neutronError(404, 'NetworkNotFound', `Network ${id} could not be found.`);
};

const list = ({ state, req, caller }: NeutronCtx): SimResponse => {
    const visible = state.networks.list().filter((n) => networkVisible(n, caller.viewer)).map(networkBody);
    const networks = applyQuery(req.query, visible, ATTRIBUTES);
    return Array.isArray(networks) ? json(200, { networks }) : networks;
};

export const networkRoutes: readonly Route<NeutronCtx>[] = [
    { method: 'GET', pattern: '/v2.0/networks', handler: list },
    { method: 'GET', pattern: '/v2.0/networks/:id', handler: show }
];
