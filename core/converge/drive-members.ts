// The members stage, carried out (docs/workflows.md): inside the group's
// converger run, so under its lease, each server whose running stage is
// `members` takes the pure step's actions (core/converge/members.ts) through
// the LoadBalancerMembers port. A create's record is written before the
// create is sent; every answer's change to the records is written with its
// activity rows, and the stage's end with its last records, one transaction each.
import { limiter } from '../engine/limiter';
import type { ActivityInput, WorkflowFailureReason } from '../model/activity';
import { LoadBalancerError } from '../model/load-balancer';
import type { MembersDetail } from '../model/members';
import type { NovaServer } from '../model/server';
import { afterStage, stageEndReason } from '../model/workflow';
import type { Clock } from '../ports/clock';
import type { ComputeScope } from '../ports/compute';
import type { ConvergenceSnapshot, ConvergenceStore, MemberStage } from '../ports/convergence';
import type { LoadBalancerMembers } from '../ports/load-balancers';
import { foldOutcome, membersStep, type MemberAction, type MemberOutcome, type MemberRow } from './members';
import { convergerRow } from './observe';

export interface MembersDeps {
    readonly store: ConvergenceStore;
    readonly members: LoadBalancerMembers;
    readonly clock: Clock;
    readonly concurrency: number;           // stages driven at once
}

export interface MembersDriven {
    readonly running: number;               // stages still running after this pass
    readonly ended: number;                 // stages this pass ended: the ledger moved
    readonly abandoned: readonly string[];  // why each launch ended abandon (the pool named): failed builds, the group's ERROR
    readonly joined: number;                // launches in service: the group's ERROR clears, like a create's success
    readonly retryAt: Date | null;          // the soonest a drain is over
}

// A stage acts round after round within a pass while each round changed
// something (resolved, created, found, drained, deleted), so a join ends with
// a first look at what it made (often ACTIVE already). After a round that only
// looked, or whose every call failed (a busy load balancer, an outage: the
// next pass asks again), the pass goes on. Each change moves a record forward
// (a create is looked at next, a drain waits, a delete is looked at), so the
// rounds end.
const stalled = (outcomes: readonly MemberOutcome[]): boolean => outcomes.every((o) => o.kind === 'poll' || o.kind === 'failed');

const call = async (members: LoadBalancerMembers, scope: ComputeScope, action: MemberAction): Promise<MemberOutcome> => {
    try {
        switch (action.kind) {
            case 'resolve':
                return { kind: 'resolve', action, poolIds: await members.poolsOf(scope, action.loadBalancerId) };
            case 'subnet':
                return { kind: 'subnet', action, cidr: await members.subnetCidr(scope, action.subnetId) };
            case 'find':
                return { kind: 'find', action, members: await members.listMembers(scope, action.record.poolId) };
            case 'create':
                return { kind: 'create', action, id: (await members.createMember(scope, action.record.poolId, action.spec)).id };
            case 'poll':
                return { kind: 'poll', action, member: await members.showMember(scope, action.record.poolId, action.record.id) };
            case 'drain':
                return { kind: 'drain', action, answer: await members.setWeight(scope, action.record.poolId, action.record.id, 0) };
            case 'delete':
                return { kind: 'delete', action, answer: await members.deleteMember(scope, action.record.poolId, action.record.id) };
        }
    }
    catch (err) {
        if (!(err instanceof LoadBalancerError)) {
            throw err;
        }

        return { kind: 'failed', action, error: err.kind, message: err.message };
    }
};

type StageResult =
    | { readonly kind: 'running'; readonly until: Date | null }
    | { readonly kind: 'ended'; readonly abandoned: string | null; readonly joined: boolean };

const driveStage = async (deps: MembersDeps, snap: ConvergenceSnapshot, scope: ComputeScope, stage: MemberStage, server: NovaServer | null): Promise<StageResult> => {
    const { store, clock } = deps;
    const ref = { intentId: stage.intentId, event: stage.event, stageIndex: stage.stageIndex };
    const rowOf = (r: MemberRow): ActivityInput => convergerRow(snap, { ...r, message: `Server ${stage.serverId}: ${r.message}` });
    let detail: MembersDetail = stage.detail;
    let written = detail;       // the records as the ledger has them
    let rows: ActivityInput[] = [];
    let stopped = false;        // the last round only looked, or failed
    const write = async (next: MembersDetail): Promise<void> => {
        if (next !== written) {     // a fold with a row always makes new records
            await store.writeMembersDetail(snap.groupId, ref, next, rows);
            written = next;
            rows = [];
        }
    };
    for (;;) {
        const now = clock.now();
        const step = membersStep({ event: stage.event, detail, server, now });
        if (step.kind === 'end') {
            const reason: WorkflowFailureReason | null = step.result === 'abandon' ? 'load_balancer' : null;
            const after = afterStage(stage.event, stage.stageIndex, stage.last, step.result);
            const message = step.result === 'abandon' ? `ended abandon (${step.message})` : 'done';
            const end = convergerRow(snap, {
                kind: `workflow_${stage.event}`, outcome: step.result === 'continue' ? 'done' : 'failed',
                reason: reason ?? stageEndReason(stage.event, after), message: `Server ${stage.serverId}: ${stage.event} stage members ${message}`
            });
            const ended = await store.finishMembersStage({ ...ref, result: step.result, reason }, detail, [...rows, end]);
            const inService = after.kind === 'end' && after.inService;
            return { kind: 'ended', abandoned: ended && step.result === 'abandon' && stage.event === 'launch' ? step.message : null, joined: ended && inService };
        }

        if (step.kind === 'wait' || stopped) {
            await write(detail);
            return { kind: 'running', until: step.kind === 'wait' ? step.until : null };
        }

        // The records of the creates are written before any create is sent.
        detail = step.detail;
        await write(detail);
        const outcomes = await Promise.all(step.actions.map((action) => call(deps.members, scope, action)));
        stopped = stalled(outcomes);
        for (const outcome of outcomes) {
            const folded = foldOutcome(stage.event, detail, outcome, clock.now());
            detail = folded.detail;
            rows = folded.row === null ? rows : [...rows, rowOf(folded.row)];
        }
    }
};

// Every running members stage of the group, `concurrency` at a time. The
// server's name and addresses are the listing's now.
export const driveMembers = async (deps: MembersDeps, snap: ConvergenceSnapshot, scope: ComputeScope, servers: readonly NovaServer[]): Promise<MembersDriven> => {
    const byId = new Map(servers.map((s) => [s.id, s]));
    const slot = limiter(deps.concurrency);
    const results = await Promise.all(snap.memberStages.map((stage) =>
        slot(() => driveStage(deps, snap, scope, stage, byId.get(stage.serverId) ?? null))));
    const ended = results.flatMap((r) => (r.kind === 'ended' ? [r] : []));
    const waits = results.flatMap((r) => (r.kind === 'running' && r.until !== null ? [r.until.getTime()] : []));
    return {
        running: results.length - ended.length,
        ended: ended.length,
        abandoned: ended.flatMap((r) => (r.abandoned === null ? [] : [r.abandoned])),
        joined: ended.filter((r) => r.joined).length,
        retryAt: waits.length === 0 ? null : new Date(Math.min(...waits))
    };
};
