// GET /v2.0/subnets and /v2.0/subnets/{id}: a subnet is seen by whoever sees
// its network (its project's, or everyone's when the network is shared).
import { neutronError } from '../http/errors';
import { json, type SimResponse } from '../http/messages';
import type { Params, Route } from '../http/router';
import { networkVisible } from '../model/networks';
import type { NeutronCtx } from './context';
import { applyQuery } from './query';
import { subnetBody } from './render';

const ATTRIBUTES = subnetBody(
    { id: '', name: '', cidr: '10.0.0.0/24', gatewayIp: '' },
    { id: '', projectId: '', name: '', shared: false, subnet: { id: '', name: '', cidr: '10.0.0.0/24', gatewayIp: '' }, created: new Date(0) }
);

const show = ({ state, caller }: NeutronCtx, { id }: Params): SimResponse => {
    const found = state.networks.subnet(id);
    return found && networkVisible(found.network, caller.viewer)
        ? json(200, { subnet: subnetBody(found.subnet, found.network) })
        : neutronError(404, 'SubnetNotFound', `Subnet ${id} could not be found.`);
};

const list = ({ state, req, caller }: NeutronCtx): SimResponse => {
    const visible = state.networks.list().filter((n) => networkVisible(n, caller.viewer)).map((n) => subnetBody(n.subnet, n));
    const subnets = applyQuery(req.query, visible, ATTRIBUTES);
    return Array.isArray(subnets) ? json(200, { subnets }) : subnets;
};

export const subnetRoutes: readonly Route<NeutronCtx>[] = [
    { method: 'GET', pattern: '/v2.0/subnets', handler: list },
    { method: 'GET', pattern: '/v2.0/subnets/:id', handler: show }
];
