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
import type { LoadBalancerMembers, PoolMember } from '../ports/load-balancers';
import { foldOutcome, membersStep, type MemberAction, type MemberOutcome, type MembersStep } from './members';
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

// A pool's owner is checked once a pass, not before every member create
// (core/ports/load-balancers.ts); a failed check is asked again by the next create.
const poolChecks = (members: LoadBalancerMembers, scope: ComputeScope): ((poolId: string) => Promise<void>) => {
    const checks = new Map<string, Promise<void>>();
    return (poolId) => {
        const known = checks.get(poolId);
        if (known !== undefined) {
            return known;
        }

        const check = members.checkPool(scope, poolId);
        checks.set(poolId, check);
        check.catch(() => checks.delete(poolId));
        return check;
    };
};

// A round's looks at one pool: when there are at least LIST_AT of them, one
// listing of the pool answers them all (a request a page of a thousand, where
// a look is a request each), and a member it does not show is gone, as a 404
// to its own look says. Fewer looks, or a listing that failed, are looked at
// one by one, as ever.
export const LIST_AT = 10;

type Look = (poolId: string, memberId: string) => Promise<PoolMember | null>;

const looks = (members: LoadBalancerMembers, scope: ComputeScope, polled: readonly string[]): Look => {
    const counts = new Map<string, number>();
    polled.forEach((poolId) => counts.set(poolId, (counts.get(poolId) ?? 0) + 1));
    const listedPools = new Set([...counts].flatMap(([poolId, n]) => (n >= LIST_AT ? [poolId] : [])));
    const listings = new Map<string, Promise<ReadonlyMap<string, PoolMember> | null>>();
    const listed = (poolId: string): Promise<ReadonlyMap<string, PoolMember> | null> => {
        const known = listings.get(poolId);
        if (known !== undefined) {
            return known;
        }

        const listing = members.listMembers(scope, poolId).then((list) => new Map(list.map((m) => [m.id, m])), (err: unknown) => {
            if (err instanceof LoadBalancerError) {
                return null;
            }

            throw err;
        });
        listings.set(poolId, listing);
        return listing;
    };

    return async (poolId, memberId) => {
        const byId = listedPools.has(poolId) ? await listed(poolId) : null;
        return byId === null ? members.showMember(scope, poolId, memberId) : byId.get(memberId) ?? null;
    };
};

const call = async (members: LoadBalancerMembers, scope: ComputeScope, checkPool: (poolId: string) => Promise<void>, look: Look, action: MemberAction): Promise<MemberOutcome> => {
    try {
        switch (action.kind) {
            case 'resolve':
                return { kind: 'resolve', action, poolIds: await members.poolsOf(scope, action.loadBalancerId) };
            case 'subnet':
                return { kind: 'subnet', action, cidr: await members.subnetCidr(scope, action.subnetId) };
            case 'find':
                return { kind: 'find', action, members: await members.listMembers(scope, action.record.poolId) };
            case 'create':
                await checkPool(action.record.poolId);
                return { kind: 'create', action, id: (await members.createMember(scope, action.record.poolId, action.spec, true)).id };
            case 'poll':
                return { kind: 'poll', action, member: await look(action.record.poolId, action.record.id) };
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

// A stage being driven in this pass: its records as they are now and as the
// ledger has them, the rows not written yet, and whether its last round stalled.
interface Driving {
    readonly stage: MemberStage;
    readonly server: NovaServer | null;
    detail: MembersDetail;
    written: MembersDetail;
    rows: ActivityInput[];
    stopped: boolean;
}

const refOf = (stage: MemberStage) => ({ intentId: stage.intentId, event: stage.event, stageIndex: stage.stageIndex });

// The stage's end: its result, the row that says so, and what the run makes of it.
const ending = (snap: ConvergenceSnapshot, d: Driving, step: Extract<MembersStep, { kind: 'end' }>) => {
    const { stage } = d;
    const reason: WorkflowFailureReason | null = step.result === 'abandon' ? 'load_balancer' : null;
    const after = afterStage(stage.event, stage.stageIndex, stage.last, step.result);
    const message = step.result === 'abandon' ? `ended abandon (${step.message})` : 'done';
    const end = convergerRow(snap, {
        kind: `workflow_${stage.event}`, outcome: step.result === 'continue' ? 'done' : 'failed',
        reason: reason ?? stageEndReason(stage.event, after), message: `Server ${stage.serverId}: ${stage.event} stage members ${message}`
    });
    return {
        finish: { end: { ...refOf(stage), result: step.result, reason }, detail: d.detail, activity: [...d.rows, end] },
        abandoned: step.result === 'abandon' && stage.event === 'launch' ? step.message : null,
        inService: after.kind === 'end' && after.inService
    };
};

// Every running members stage of the group, in rounds: each round writes the
// records of all its stages in one transaction (those of its creates before
// any is sent), ends the stages that are done in another, then sends the
// round's calls, `concurrency` at a time, the next as soon as one is
// answered (many looks at one pool: one listing). The server's name and
// addresses are the listing's now.
export const driveMembers = async (deps: MembersDeps, snap: ConvergenceSnapshot, scope: ComputeScope, servers: readonly NovaServer[]): Promise<MembersDriven> => {
    const { store, clock } = deps;
    const byId = new Map(servers.map((s) => [s.id, s]));
    const slot = limiter(deps.concurrency);
    const checkPool = poolChecks(deps.members, scope);
    const results: StageResult[] = [];
    for (let driving: Driving[] = snap.memberStages.map((stage) =>
        ({ stage, server: byId.get(stage.serverId) ?? null, detail: stage.detail, written: stage.detail, rows: [], stopped: false })); driving.length > 0;) {
        const now = clock.now();
        const ends: { d: Driving; end: ReturnType<typeof ending> }[] = [];
        const writes: Driving[] = [];
        const acting: { d: Driving; actions: readonly MemberAction[] }[] = [];
        for (const d of driving) {
            const step = membersStep({ event: d.stage.event, detail: d.detail, server: d.server, now });
            if (step.kind === 'end') {
                ends.push({ d, end: ending(snap, d, step) });
            }
            else if (step.kind === 'wait' || d.stopped) {
                results.push({ kind: 'running', until: step.kind === 'wait' ? step.until : null });
            }
            else {
                // The records of the creates are written before any create is sent.
                d.detail = step.detail;
                acting.push({ d, actions: step.actions });
            }

            if (step.kind !== 'end' && d.detail !== d.written) {   // a fold with a row always makes new records
                writes.push(d);
            }
        }

        const written = writes.length === 0 ? [] : await store.writeMembersDetails(snap.groupId, writes.map((d) => ({ stage: refOf(d.stage), detail: d.detail, activity: d.rows })));
        const refused = new Set(writes.filter((_, i) => written[i] !== true));
        writes.forEach((d) => {
            d.written = d.detail;
            d.rows = [];
        });
        const ended = ends.length === 0 ? [] : await store.finishMembersStages(ends.map((e) => e.end.finish));
        ends.forEach(({ end }, i) => {
            const done = ended[i] === true;
            results.push({ kind: 'ended', abandoned: done ? end.abandoned : null, joined: done && end.inService });
        });

        // A stage whose records the ledger did not take is no longer running
        // (another instance ended it): nothing is sent for it, and the run looks again.
        const going = acting.filter(({ d }) => !refused.has(d));
        results.push(...Array.from({ length: acting.length - going.length }, (): StageResult => ({ kind: 'ended', abandoned: null, joined: false })));
        const look = looks(deps.members, scope, going.flatMap(({ actions }) => actions.flatMap((a) => (a.kind === 'poll' ? [a.record.poolId] : []))));
        await Promise.all(going.map(async ({ d, actions }) => {
            const outcomes = await Promise.all(actions.map((action) => slot(() => call(deps.members, scope, checkPool, look, action))));
            d.stopped = stalled(outcomes);
            for (const outcome of outcomes) {
                const folded = foldOutcome(d.stage.event, d.detail, outcome, clock.now());
                d.detail = folded.detail;
                d.rows = folded.row === null ? d.rows : [...d.rows, convergerRow(snap, { ...folded.row, message: `Server ${d.stage.serverId}: ${folded.row.message}` })];
            }
        }));
        driving = going.map(({ d }) => d);
    }

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
