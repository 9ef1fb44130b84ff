// The members stage, decided purely (docs/workflows.md, "The members stage,
// step by step"): from the stage's records, the server as Nova lists it, the
// event and the time, what to ask Octavia next, or how the stage ends; and
// what each answer makes of the records. Level-based like the planner: the
// same records and time give the same step, so a lost answer, a restart or a
// second pass is harmless. core/converge/drive-members.ts carries it out.
import type { Reason } from '../model/activity';
import { isRefusal, type LoadBalancerErrorKind, type PoolTarget } from '../model/load-balancer';
import type { MemberRecord, MembersDetail, StageTarget } from '../model/members';
import { fixedIPv4, fixedIPv4In, type NovaServer } from '../model/server';
import type { WorkflowEvent } from '../model/workflow';
import type { MemberSpec, PoolMember } from '../ports/load-balancers';

export type MemberAction =
    | { readonly kind: 'resolve'; readonly loadBalancerId: string }          // its pools (poolsOf)
    | { readonly kind: 'subnet'; readonly subnetId: string }                 // its CIDR
    | { readonly kind: 'find'; readonly record: MemberRecord }               // by address, port and name (listMembers)
    | { readonly kind: 'create'; readonly record: MemberRecord; readonly spec: MemberSpec }
    | { readonly kind: 'poll'; readonly record: KnownMember }                // showMember
    | { readonly kind: 'drain'; readonly record: KnownMember }               // weight 0
    | { readonly kind: 'delete'; readonly record: KnownMember };

// A member whose id Octavia gave us: the only ones ever changed or deleted.
export type KnownMember = MemberRecord & { readonly id: string };
const known = (record: MemberRecord): record is KnownMember => record.id !== null;

type Of<K extends MemberAction['kind']> = Extract<MemberAction, { readonly kind: K }>;

// An action with what Octavia (or Neutron) answered to it, or its error in its kind and words.
export type MemberOutcome =
    | { readonly kind: 'resolve'; readonly action: Of<'resolve'>; readonly poolIds: readonly string[] }
    | { readonly kind: 'subnet'; readonly action: Of<'subnet'>; readonly cidr: string | null }
    | { readonly kind: 'find'; readonly action: Of<'find'>; readonly members: readonly PoolMember[] }
    | { readonly kind: 'create'; readonly action: Of<'create'>; readonly id: string }
    | { readonly kind: 'poll'; readonly action: Of<'poll'>; readonly member: PoolMember | null }
    | { readonly kind: 'drain'; readonly action: Of<'drain'>; readonly answer: 'updated' | 'gone' }
    | { readonly kind: 'delete'; readonly action: Of<'delete'>; readonly answer: 'deleting' | 'gone' }
    | { readonly kind: 'failed'; readonly action: MemberAction; readonly error: LoadBalancerErrorKind; readonly message: string };

export type MembersStep =
    // `detail` carries the records of the creates, written before they are sent.
    | { readonly kind: 'act'; readonly detail: MembersDetail; readonly actions: readonly MemberAction[] }
    // Nothing to ask now: the drain runs until `until` (null: nothing this stage can do, a pass comes back).
    | { readonly kind: 'wait'; readonly until: Date | null }
    | { readonly kind: 'end'; readonly result: 'continue' }
    | { readonly kind: 'end'; readonly result: 'abandon'; readonly message: string };

export interface MembersInput {
    readonly event: WorkflowEvent;
    readonly detail: MembersDetail;
    readonly server: Pick<NovaServer, 'name' | 'addresses'> | null;   // null: not in Nova's listing now
    readonly now: Date;
}

// An activity row's part that the step knows.
export interface MemberRow {
    readonly kind: 'member_create' | 'member_drain' | 'member_delete' | 'member_lookup';
    readonly outcome: 'done' | 'failed';
    readonly reason: Reason;
    readonly message: string;
}

const isPool = (t: StageTarget): t is PoolTarget & { readonly cidr?: string } => 'poolId' in t;
const sameMember = (r: Pick<MemberRecord, 'poolId' | 'port'>, t: Pick<MemberRecord, 'poolId' | 'port'>): boolean => r.poolId === t.poolId && r.port === t.port;

// The address a pool's member reaches the server at (contract §7).
const addressFor = (server: Pick<NovaServer, 'addresses'>, target: PoolTarget & { readonly cidr?: string }): string | null =>
    target.cidr === undefined ? fixedIPv4(server) : fixedIPv4In(server, target.cidr);   // a subnet's CIDR is resolved first

const launchStep = (detail: MembersDetail, server: MembersInput['server']): MembersStep => {
    if (detail.refused !== undefined) {
        return { kind: 'end', result: 'abandon', message: detail.refused };
    }

    // Resolved once and written back: the pools of a load balancer, the CIDR of a subnet.
    const resolve = detail.targets.flatMap((t): MemberAction[] => ('loadBalancerId' in t ? [{ kind: 'resolve', loadBalancerId: t.loadBalancerId }] : []));
    const subnets = [...new Set(detail.targets.flatMap((t) => (isPool(t) && t.subnetId !== undefined && t.cidr === undefined ? [t.subnetId] : [])))];
    if (resolve.length > 0 || subnets.length > 0) {
        return { kind: 'act', detail, actions: [...resolve, ...subnets.map((subnetId): MemberAction => ({ kind: 'subnet', subnetId }))] };
    }

    if (server === null) {
        return { kind: 'wait', until: null };
    }

    const records: MemberRecord[] = [...detail.members];
    const actions: MemberAction[] = [];
    for (const target of detail.targets.filter(isPool)) {
        const record = records.find((r) => sameMember(r, target));
        if (record === undefined) {
            const address = addressFor(server, target);
            if (address === null) {
                const where = target.subnetId === undefined ? '' : ` in subnet ${target.subnetId}`;
                return { kind: 'end', result: 'abandon', message: `Pool ${target.poolId}: the server has no fixed IPv4 address${where} to join it with` };
            }

            const created: MemberRecord = { poolId: target.poolId, port: target.port, address, name: server.name, id: null, status: null };
            records.push(created);
            actions.push({
                kind: 'create', record: created, spec: {
                    address, protocolPort: target.port, name: server.name,
                    ...(target.subnetId === undefined ? {} : { subnetId: target.subnetId }), ...(target.weight === undefined ? {} : { weight: target.weight })
                }
            });
        }
        else if (!known(record)) {
            actions.push({ kind: 'find', record });
        }
        else if (record.status !== 'ACTIVE') {
            actions.push({ kind: 'poll', record });
        }
    }

    if (actions.length === 0) {
        return { kind: 'end', result: 'continue' };
    }

    return { kind: 'act', detail: records.length === detail.members.length ? detail : { ...detail, members: records }, actions };
};

const terminateStep = (detail: MembersDetail, now: Date): MembersStep => {
    if (detail.refused !== undefined) {
        return { kind: 'end', result: 'abandon', message: detail.refused };
    }

    // Weight 0 for every member we made (found again first when its create's answer was lost).
    const first = detail.members.flatMap((record): MemberAction[] =>
        !known(record) ? [{ kind: 'find', record }] : record.drained === true ? [] : [{ kind: 'drain', record }]);
    if (first.length > 0) {
        return { kind: 'act', detail, actions: first };
    }

    if (detail.members.length === 0) {
        return { kind: 'end', result: 'continue' };
    }

    const drainedAt = detail.drainFrom === undefined ? now.getTime() : Date.parse(detail.drainFrom);
    const until = new Date(drainedAt + detail.drainingTimeoutS * 1000);
    if (now.getTime() < until.getTime()) {
        return { kind: 'wait', until };
    }

    // A delete accepted shows PENDING_DELETE until Octavia is done; anything else is deleted (again).
    return {
        kind: 'act', detail,
        actions: detail.members.filter(known).map((record): MemberAction => (record.deleted === true && record.status === 'PENDING_DELETE' ? { kind: 'poll', record } : { kind: 'delete', record }))
    };
};

export const membersStep = (input: MembersInput): MembersStep =>
    input.event === 'launch' ? launchStep(input.detail, input.server) : terminateStep(input.detail, input.now);

// The reason a failed member call's row carries: a refusal is the load
// balancer's (`load_balancer`), a busy one is waited out, the rest are the
// same words as Nova's failures.
export const memberFailureReason = (kind: LoadBalancerErrorKind): Reason => {
    switch (kind) {
        case 'busy':
            return 'load_balancer_busy';
        case 'pool_gone':
        case 'load_balancer_gone':
        case 'refused':
        case 'quota':
        case 'forbidden':
            return 'load_balancer';
        default:
            return kind;
    }
};

// Answers that prove a create never reached Octavia's database: its record
// goes, and the next pass creates again. A timeout, a 5xx or a lost
// connection may have created it: the record stays, to be found again.
const notCreated: ReadonlySet<LoadBalancerErrorKind> = new Set<LoadBalancerErrorKind>([
    'busy', 'pool_gone', 'load_balancer_gone', 'refused', 'quota', 'forbidden', 'unauthorized', 'over_limit', 'breaker_open', 'held'
]);

export interface Folded {
    readonly detail: MembersDetail;
    readonly row: MemberRow | null;
}

const put = (detail: MembersDetail, record: MemberRecord, next: MemberRecord | null): MembersDetail => ({
    ...detail,
    members: detail.members.flatMap((m) => (sameMember(m, record) ? (next === null ? [] : [next]) : [m]))
});

const what = (record: MemberRecord, id: string): string => `member ${id} of pool ${record.poolId} (${record.address}:${record.port})`;

const kindOf = (action: MemberAction): MemberRow['kind'] => {
    switch (action.kind) {
        case 'create': return 'member_create';
        case 'drain': return 'member_drain';
        case 'delete': return 'member_delete';
        default: return 'member_lookup';
    }
};

const subjectOf = (action: MemberAction): string => {
    switch (action.kind) {
        case 'resolve': return `Load balancer ${action.loadBalancerId}`;
        case 'subnet': return `Subnet ${action.subnetId}`;
        default: return `Pool ${action.record.poolId}`;
    }
};

// A failed call: a refusal ends the stage (abandon), naming what refused; a
// launch's lost create answer keeps its record; a member gone with its pool
// is gone for a terminate.
const foldFailure = (event: WorkflowEvent, detail: MembersDetail, action: MemberAction, error: LoadBalancerErrorKind, message: string): Folded => {
    const row: MemberRow = { kind: kindOf(action), outcome: 'failed', reason: memberFailureReason(error), message: `${subjectOf(action)}: ${message}` };
    const record = 'record' in action ? action.record : null;
    if (record !== null && event === 'terminate' && error === 'pool_gone') {
        return { detail: put(detail, record, null), row };
    }

    const refused = isRefusal(error) ? { refused: `${subjectOf(action)}: ${message}` } : {};
    const dropped = action.kind === 'create' && notCreated.has(error) ? put(detail, action.record, null) : detail;
    return { detail: { ...dropped, ...refused }, row };
};

// The record a listing shows: ours by address, port and name.
const matching = (record: MemberRecord, members: readonly PoolMember[]): PoolMember | undefined =>
    members.find((m) => m.address === record.address && m.protocolPort === record.port && m.name === record.name);

const foldResolve = (detail: MembersDetail, loadBalancerId: string, poolIds: readonly string[]): MembersDetail => {
    const targets: StageTarget[] = [];
    for (const t of detail.targets) {
        const expanded: readonly StageTarget[] = 'loadBalancerId' in t && t.loadBalancerId === loadBalancerId ? poolIds.map((poolId) => ({ poolId, port: t.port })) : [t];
        // A pool named twice (directly and by its load balancer) is joined once.
        targets.push(...expanded.filter((e) => !isPool(e) || !targets.some((k) => isPool(k) && sameMember(k, e))));
    }

    return { ...detail, targets };
};

export const foldOutcome = (event: WorkflowEvent, detail: MembersDetail, outcome: MemberOutcome, now: Date): Folded => {
    switch (outcome.kind) {
        case 'failed':
            return foldFailure(event, detail, outcome.action, outcome.error, outcome.message);
        case 'resolve':
            return { detail: foldResolve(detail, outcome.action.loadBalancerId, outcome.poolIds), row: null };
        case 'subnet': {
            const { subnetId } = outcome.action;
            const cidr = outcome.cidr;
            if (cidr === null) {
                const refused = `Subnet ${subnetId}: not found`;
                return { detail: { ...detail, refused }, row: { kind: 'member_lookup', outcome: 'failed', reason: 'load_balancer', message: refused } };
            }

            return { detail: { ...detail, targets: detail.targets.map((t) => (isPool(t) && t.subnetId === subnetId ? { ...t, cidr } : t)) }, row: null };
        }

        case 'create': {
            const { record } = outcome.action;
            return {
                detail: put(detail, record, { ...record, id: outcome.id, status: 'PENDING_CREATE' }),
                row: { kind: 'member_create', outcome: 'done', reason: 'joining', message: `Server ${record.name} joins pool ${record.poolId} as member ${outcome.id} (${record.address}:${record.port})` }
            };
        }

        case 'find': {
            const { record } = outcome.action;
            const found = matching(record, outcome.members);
            return found === undefined ?
                // Never created: a launch asks for it again, a terminate has nothing to remove.
                { detail: put(detail, record, null), row: null } :
                {
                    detail: put(detail, record, { ...record, id: found.id, status: found.provisioningStatus }),
                    row: { kind: 'member_lookup', outcome: 'done', reason: 'adopted', message: `The answer to a create was lost: ${what(record, found.id)} found by its address, port and name` }
                };
        }

        case 'poll': {
            const { record } = outcome.action;
            const member = outcome.member;
            if (member === null) {
                // Gone: a launch creates it again; a terminate is done with it.
                return { detail: put(detail, record, null), row: null };
            }

            if (event === 'launch' && member.provisioningStatus === 'ERROR') {
                const refused = `Pool ${record.poolId}: member ${member.id} is in ERROR`;
                return { detail: { ...put(detail, record, { ...record, status: 'ERROR' }), refused }, row: { kind: 'member_create', outcome: 'failed', reason: 'load_balancer', message: refused } };
            }

            return { detail: put(detail, record, { ...record, status: member.provisioningStatus }), row: null };
        }

        case 'drain': {
            const { record } = outcome.action;
            return outcome.answer === 'gone' ?
                { detail: put(detail, record, null), row: null } :
                {
                    detail: { ...put(detail, record, { ...record, drained: true }), drainFrom: now.toISOString() },
                    row: { kind: 'member_drain', outcome: 'done', reason: 'leaving', message: `Weight 0 for ${what(record, record.id)}: draining for ${detail.drainingTimeoutS} s` }
                };
        }

        case 'delete': {
            const { record } = outcome.action;
            const gone = outcome.answer === 'gone';
            return {
                detail: put(detail, record, gone ? null : { ...record, deleted: true, status: 'PENDING_DELETE' }),
                row: { kind: 'member_delete', outcome: 'done', reason: 'left', message: `Deleting ${what(record, record.id)}${gone ? ': already gone' : ''}` }
            };
        }
    }
};
