// /lbaas/pools/{pool_id}/members: create, list, show, update, delete, in the
// order Octavia's member controller checks things. The pool in the path is
// known to exist (the handler looked it up first, as Octavia's routing does).
// A change puts the member in PENDING_* and its pool and load balancer in
// PENDING_UPDATE for memberDelayMs; meanwhile another change to the pool is
// refused 409 "... is immutable and cannot be updated.".
import { octaviaError } from '../http/errors';
import { empty, json, type SimResponse } from '../http/messages';
import type { Params, Route } from '../http/router';
import type { MemberRecord, PoolRecord } from '../model/load-balancers';
import { networkVisible } from '../model/networks';
import type { OctaviaCtx } from './context';
import { readMemberPost, readMemberPut } from './member-body';
import { allowed, FORBIDDEN, type Action } from './policy';
import { listing, pickFields } from './query';
import { memberAccepted, memberNow } from './render';

// octavia.conf [networking] reserved_ips: the metadata address is never a member.
const RESERVED_IPS: readonly string[] = ['169.254.169.254'];

const FILTERABLE: ReadonlySet<string> = new Set([
    'id', 'name', 'operating_status', 'provisioning_status', 'admin_state_up', 'address', 'protocol_port', 'weight', 'backup', 'subnet_id',
    'project_id', 'monitor_address', 'monitor_port'
]);

const pool = ({ state }: OctaviaCtx, { poolId }: Params): PoolRecord => state.loadBalancers.pool(poolId as string) as PoolRecord;

const forbidden = (): SimResponse => octaviaError(403, FORBIDDEN);

const notFound = (id: string): SimResponse => octaviaError(404, `Member ${id} not found.`);

// 409 while the pool or its load balancer is not ACTIVE; null when a change may go on.
const immutable = (ctx: OctaviaCtx, target: PoolRecord): SimResponse | null => {
    const busy = ctx.state.loadBalancers.immutable(target, ctx.now);
    return busy && octaviaError(409, `${busy.resource} ${busy.id} is immutable and cannot be updated.`);
};

const create = (ctx: OctaviaCtx, params: Params): SimResponse => {
    const { state, req, caller, now } = ctx;
    const target = pool(ctx, params);
    const read = readMemberPost(req.rawBody);
    if (!read.ok) {
        return octaviaError(400, read.message);
    }

    // The member belongs to the load balancer's project, whoever creates it (a project_id sent is ignored).
    const member = read.value;
    if (!allowed(caller, target.projectId, 'write')) {
        return forbidden();
    }

    if (RESERVED_IPS.includes(member.address)) {
        return octaviaError(400, `${member.address} is not a valid option for member address`);
    }

    // Octavia asks Neutron for the subnet with the caller's token.
    const subnet = member.subnetId === null ? null : state.networks.subnet(member.subnetId);
    if (member.subnetId !== null && (!subnet || !networkVisible(subnet.network, caller.viewer))) {
        return octaviaError(400, `Subnet ${member.subnetId} not found.`);
    }

    const busy = immutable(ctx, target);
    if (busy) {
        return busy;
    }

    if (state.loadBalancers.duplicate(target, member.address, member.protocolPort, now)) {
        return octaviaError(409, `Another member on this pool is already using ip ${member.address} on protocol_port ${member.protocolPort}`);
    }

    const record = state.loadBalancers.createMember({ ...member, projectId: target.projectId, poolId: target.id }, now, state.config.memberDelayMs);
    return json(201, { member: memberAccepted(record) });
};

const list = (ctx: OctaviaCtx, params: Params): SimResponse => {
    const { state, caller, now } = ctx;
    const target = pool(ctx, params);
    if (!allowed(caller, target.projectId, 'read')) {
        return forbidden();
    }

    return listing(ctx, {
        collection: 'members',
        records: state.loadBalancers.poolMembers(target, now),
        render: (m) => memberNow(m, now),
        filterable: FILTERABLE,
        marker: (id) => state.loadBalancers.anyMember(id)
    });
};

// The member in the path, if the caller may act on it: Octavia finds it by id,
// checks the policy, and only then that it is in the pool of the path (404 otherwise).
const target = (ctx: OctaviaCtx, { poolId, memberId }: Params, action: Action): MemberRecord | SimResponse => {
    const id = memberId as string;
    const member = ctx.state.loadBalancers.member(id, ctx.now);
    if (!member) {
        return notFound(id);
    }

    if (!allowed(ctx.caller, member.projectId, action)) {
        return forbidden();
    }

    return member.poolId === poolId ? member : notFound(id);
};

const show = (ctx: OctaviaCtx, params: Params): SimResponse => {
    const member = target(ctx, params, 'read');
    return 'id' in member ? json(200, { member: pickFields(ctx.req.query, memberNow(member, ctx.now)) }) : member;
};

const update = (ctx: OctaviaCtx, params: Params): SimResponse => {
    const { state, req, now } = ctx;
    const read = readMemberPut(req.rawBody);
    if (!read.ok) {
        return octaviaError(400, read.message);
    }

    const member = target(ctx, params, 'write');
    if (!('id' in member)) {
        return member;
    }

    const busy = immutable(ctx, pool(ctx, params));
    if (busy) {
        return busy;
    }

    state.loadBalancers.updateMember(member, read.value, now, state.config.memberDelayMs);
    return json(200, { member: memberAccepted(member) });
};

const remove = (ctx: OctaviaCtx, params: Params): SimResponse => {
    const { state, now } = ctx;
    const member = target(ctx, params, 'write');
    if (!('id' in member)) {
        return member;
    }

    const busy = immutable(ctx, pool(ctx, params));
    if (busy) {
        return busy;
    }

    state.loadBalancers.deleteMember(member, now, state.config.memberDelayMs);
    return empty(204);
};

export const memberRoutes: readonly Route<OctaviaCtx>[] = [
    { method: 'POST', pattern: '/lbaas/pools/:poolId/members', handler: create },
    { method: 'GET', pattern: '/lbaas/pools/:poolId/members', handler: list },
    { method: 'GET', pattern: '/lbaas/pools/:poolId/members/:memberId', handler: show },
    { method: 'PUT', pattern: '/lbaas/pools/:poolId/members/:memberId', handler: update },
    { method: 'DELETE', pattern: '/lbaas/pools/:poolId/members/:memberId', handler: remove }
];
