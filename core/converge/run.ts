// The converger: the imperative shell around the planner (design idea 1).
// Level-based (style.md): observe the whole state (ledger + Nova listing),
// plan (core/converge/plan.ts, pure), apply, and come back, until the group
// is converged or must wait, within a bounded number of passes. It holds the
// group's lease throughout, so one converger acts on a group at a time across
// every plugin instance; a crash anywhere leaves a state the next run reads.
import { backoffFor } from './backoff';
import { applyPlan } from './apply';
import { passHolds } from './plan-holds';
import { driveMembers, type MembersDriven } from './drive-members';
import { convergerRow, observationOf, observeListing, writesNothing } from './observe';
import { workflowFailureReasons } from '../model/activity';
import type { GroupId, LeaseGeneration } from '../model/ids';
import { modeInForce } from '../model/kill-switch';
import { stagesOf } from '../model/workflow';
import { planConvergence, type NovaListing, type Plan, type PlanOutcome } from './plan';
import type { Clock } from '../ports/clock';
import type { Compute, ComputeScope } from '../ports/compute';
import type { ConvergenceSnapshot, ConvergenceStore } from '../ports/convergence';
import type { LoadBalancerMembers } from '../ports/load-balancers';
import { pacedShare, stormGuard, type StormGuardOptions } from './storm-guard';
import type { Unwritten } from './unwritten';

export interface ConvergerDeps {
    readonly store: ConvergenceStore;
    readonly compute: Compute;
    readonly clock: Clock;
    readonly holder: string;            // unique per run: a second run, even in this process, finds the lease taken
    readonly region: string | null;
    readonly buildTimeoutS: number;
    readonly orphanGraceS: number;
    readonly leaseTtlMs: number;
    readonly maxPasses: number;
    readonly concurrency: number;       // creates / deletes (and members stages) in flight at once
    // Octavia, for the members stages (absent: none configured; a group naming load balancers is refused when written).
    readonly members?: LoadBalancerMembers;
    // Backoff of a group whose builds keep failing (none when absent or base 0).
    readonly backoff?: { readonly baseMs: number; readonly capMs: number };
    // The region's storm guard (none when absent).
    readonly stormGuard?: StormGuardOptions;
    // Where the run keeps what the database would not take as it ended (its
    // lease, intents never sent), for the loop to write once it is back.
    readonly unwritten?: Unwritten;
}

export type ConvergeOutcome =
    | PlanOutcome        // the last plan's: done, wait, hold (or act when the passes ran out)
    | 'busy'             // another converger holds the lease
    | 'gone'             // the group no longer exists
    | 'deleted'          // a DELETING group had nothing left: it is deleted now
    | 'failed';          // some calls failed: the next run tries again

export interface ConvergeResult {
    readonly groupId: GroupId;
    readonly outcome: ConvergeOutcome;
    readonly passes: number;
    readonly plan: Plan | null;         // the last plan made
    // When the group may go on (a backoff, the storm guard's pacing, a budget
    // or Retry-After hold): the run that comes back sooner would only wait.
    readonly retryAt: Date | null;
}

const errorRow = (snap: ConvergenceSnapshot, message: string | null) => message === null ?
    convergerRow(snap, { kind: 'status', outcome: 'done', reason: 'recovered', message: 'Group status back to ACTIVE' }) :
    convergerRow(snap, { kind: 'status', outcome: 'failed', reason: 'group_error', message: `Group status ERROR: ${message}` });

// Back to ACTIVE, when the snapshot says ERROR: only a converger run, under
// the lease, sets ERROR, and a pass that sets it plans again before clearing
// it, so a group ACTIVE in the snapshot has nothing to clear (no transaction).
const clearError = async (deps: Pick<ConvergerDeps, 'store'>, snap: ConvergenceSnapshot): Promise<void> => {
    if (snap.status === 'ERROR') {
        await deps.store.setGroupError(snap.groupId, null, errorRow(snap, null));
    }
};

export const scopeOf = (deps: Pick<ConvergerDeps, 'region'>, snap: Pick<ConvergenceSnapshot, 'tenantId'>): ComputeScope =>
    ({ projectId: snap.tenantId, region: deps.region });

export const planFor = (deps: Pick<ConvergerDeps, 'buildTimeoutS' | 'orphanGraceS' | 'region'>, snap: ConvergenceSnapshot, listing: NovaListing, now: Date): Plan => planConvergence({
    groupId: snap.groupId, desired: snap.desired, maxEntities: snap.maxEntities, ledger: snap.ledger, listing, now,
    buildTimeoutS: deps.buildTimeoutS, orphanGraceS: deps.orphanGraceS, knownOrphans: snap.orphans,
    paused: snap.paused, killSwitch: modeInForce(snap.killSwitches, deps.region, now),
    joins: stagesOf(snap.workflow, 'launch', snap.loadBalancers.length > 0).length > 0
});

interface Seen {
    readonly snap: ConvergenceSnapshot;
    readonly scope: ComputeScope;
    readonly listing: NovaListing;
    readonly plan: Plan;
}

// One pass: observe, plan, record what the plan learnt. null: the group is gone.
// `known`: the run's last listing, when nothing was sent to Nova since (a
// pass that only moved the ledger, joins or members, has nothing new to see
// there; a project of a thousand servers is a thousand to list again).
const observeAndPlan = async (deps: ConvergerDeps, groupId: GroupId, now: Date, known: NovaListing | null): Promise<Seen | null> => {
    const snap = await deps.store.readConvergence(groupId);
    if (!snap) {
        return null;
    }

    const scope: ComputeScope = { ...scopeOf(deps, snap), groupId: snap.groupId };
    const listing = known ?? await observeListing(deps.compute, scope);
    const plan = planFor(deps, snap, listing, now);
    const observation = observationOf(snap, listing, plan);
    if (!writesNothing(observation)) {
        await deps.store.recordObservation(groupId, observation);
    }

    return { snap, scope, listing, plan };
};

// Failed builds in a row start (or lengthen) the group's backoff; returns the time creates may resume.
const recordBuildFailures = async (deps: ConvergerDeps, snap: ConvergenceSnapshot, count: number, now: Date): Promise<Date | null> => {
    const { baseMs, capMs } = deps.backoff ?? { baseMs: 0, capMs: 0 };
    if (baseMs === 0 || capMs === 0) {
        return snap.createsNotBefore;      // no backoff configured
    }

    return deps.store.withBuildFailures(snap.groupId, async (locked) => {
        const failures = locked.failures + count;
        const waitMs = backoffFor(failures, baseMs, capMs);
        const until = new Date(now.getTime() + waitMs);
        await locked.write(failures, until, convergerRow(snap, {
            kind: 'backoff', outcome: 'refused', reason: 'backoff',
            message: `${failures} failed build${failures === 1 ? '' : 's'} in a row: no create for ${waitMs / 1000} s (until ${until.toISOString()})`
        }));
        return until;
    });
};

interface CreateAllowance {
    readonly create: number;
    readonly notBefore: Date | null;    // when the rest may go
}

// The storm guard: when paced, this run creates the group's share of the
// next few seconds (core/converge/storm-guard.ts pacedShare) and the rest wait for
// their slots: a run per share, not a run per create.
const PACE_WINDOW_MS = 5000;

const stormShare = async (deps: ConvergerDeps, snap: ConvergenceSnapshot, create: number, lastSlot: Date | null, now: Date): Promise<CreateAllowance> => {
    if (!deps.stormGuard) {
        return { create, notBefore: null };
    }

    const { wanting, total } = await deps.store.scaleUpCounts();
    const verdict = stormGuard(Math.min(wanting, total), total, deps.stormGuard);
    if (!verdict.paced) {
        return { create, notBefore: null };
    }

    const share = pacedShare(verdict.perGroupCreatesPerS, create, lastSlot?.getTime() ?? null, now.getTime(), PACE_WINDOW_MS);
    const until = new Date(Math.ceil(share.nextAt));
    await deps.store.paceCreates(snap.groupId, until, convergerRow(snap, {
        kind: 'storm_guard', outcome: 'done', reason: 'storm_guard',
        message: `${verdict.message}: ${share.allowed} of ${create} creates now, the next not before ${until.toISOString()}`
    }));
    return { create: share.allowed, notBefore: until };
};

// What this pass may create: nothing during a backoff or the storm guard's
// pause, else the storm guard's share of the plan's creates.
const allowance = async (deps: ConvergerDeps, snap: ConvergenceSnapshot, plan: Plan, notBefore: Date | null, now: Date): Promise<CreateAllowance> => {
    if (notBefore !== null && now.getTime() < notBefore.getTime()) {
        return { create: 0, notBefore };
    }

    return plan.create > 0 ? stormShare(deps, snap, plan.create, notBefore, now) : { create: 0, notBefore: null };
};

// The members stages of the group's servers (core/converge/drive-members.ts),
// under the run's lease. A pause does not hold them (a workflow under way goes
// on, contract §7); a kill-switch `all` does, as does an unknown listing (the
// addresses come from it). A launch abandoned puts the group in ERROR naming
// the pool; one in service clears it, as a create does a quota's.
const membersPass = async (deps: ConvergerDeps, seen: Seen, now: Date): Promise<MembersDriven | null> => {
    const { snap, scope, listing } = seen;
    if (snap.memberStages.length === 0 || deps.members === undefined || listing.kind === 'unknown' || modeInForce(snap.killSwitches, deps.region, now) === 'all') {
        return null;
    }

    const driven = await driveMembers({ store: deps.store, members: deps.members, clock: deps.clock, concurrency: deps.concurrency }, snap, scope, listing.servers);
    // The failed build itself is counted by the next plan, as every abandoned launch is.
    const refused = driven.abandoned[0];
    if (refused !== undefined) {
        await deps.store.setGroupError(snap.groupId, refused, errorRow(snap, refused));
    }
    else if (driven.joined > 0) {
        await clearError(deps, snap);
    }

    return driven;
};

const runPasses = async (deps: ConvergerDeps, groupId: GroupId, firstNow: Date, firstGeneration: LeaseGeneration): Promise<Omit<ConvergeResult, 'groupId'>> => {
    let plan: Plan | null = null;
    let generation = firstGeneration;
    let listed: NovaListing | null = null;     // the last known listing, while nothing was sent to Nova since
    for (let pass = 1; pass <= deps.maxPasses; pass++) {
        const now = pass === 1 ? firstNow : deps.clock.now();
        if (pass > 1) {
            // Each pass observes afresh, so it may go on under a new generation of the lease.
            const renewed = await deps.store.claimLease(groupId, deps.holder, now, deps.leaseTtlMs);
            if (renewed === null) {
                return { outcome: 'busy', passes: pass - 1, plan, retryAt: null };   // the lease expired under us and was taken
            }

            generation = renewed;
        }

        const seen = await observeAndPlan(deps, groupId, now, listed);
        if (!seen) {
            return { outcome: 'gone', passes: pass, plan, retryAt: null };
        }

        listed = seen.listing.kind === 'known' ? seen.listing : null;

        const { snap, scope } = seen;
        plan = seen.plan;
        const members = await membersPass(deps, seen, now);
        if (members !== null && members.ended > 0) {
            continue;    // the ledger moved (in service, failed, or left): observe and plan again
        }

        // A members stage still running is something to come back for, even
        // when the plan holds (a pause); at a drain's end when nothing else is
        // on its way (a build is looked at sooner, by the recheck's own pace).
        const retryAt = (plan.counts?.pending ?? 0) === 0 ? members?.retryAt ?? null : null;
        if (plan.outcome === 'done') {
            if (snap.status === 'DELETING') {
                return { outcome: (await deps.store.finishGroupDeletion(groupId)) ? 'deleted' : 'done', passes: pass, plan, retryAt: null };
            }

            await clearError(deps, snap);
            return { outcome: 'done', passes: pass, plan, retryAt: null };
        }

        if (plan.outcome !== 'act') {
            return { outcome: plan.outcome === 'hold' && (members?.running ?? 0) > 0 ? 'wait' : plan.outcome, passes: pass, plan, retryAt };
        }

        // Servers gone ERROR, and launches their workflow ended abandon (counted
        // once, as they fail), are failed builds (contract §7): they start the
        // group's backoff before any replacement is asked for. Deletes go ahead regardless.
        const abandoned = plan.members.filter((m) => m.condition === 'failed' && (workflowFailureReasons as readonly string[]).includes(m.reason)).length;
        const errored = plan.deletes.filter((d) => d.reason === 'error' && d.intentId !== null).length + abandoned;
        const notBefore = errored > 0 ? await recordBuildFailures(deps, snap, errored, now) : snap.createsNotBefore;
        const { create, notBefore: resumeAt } = await allowance(deps, snap, plan, notBefore, now);

        const applied = await applyPlan(deps, snap, scope, create === plan.create ? plan : { ...plan, create }, passHolds(deps, snap, now, generation), generation);
        if (applied.fenced) {
            return { outcome: 'busy', passes: pass, plan, retryAt: null };   // the lease changed hands: its holder goes on
        }

        if (plan.deletes.length > 0 || create > 0) {
            listed = null;    // Nova has changed: the next pass lists it again
        }

        if (applied.refusedBuilds > 0) {
            await recordBuildFailures(deps, snap, applied.refusedBuilds, deps.clock.now());
        }

        if (applied.groupError !== null) {
            await deps.store.setGroupError(groupId, applied.groupError, errorRow(snap, applied.groupError));
        }
        else if (applied.created > 0 && snap.loadBalancers.length === 0) {
            // With load balancers a server is a success once in service (membersPass).
            await clearError(deps, snap);
        }

        // A failed call is not retried in a tight loop: the next run plans again.
        if (applied.failures > 0) {
            return { outcome: 'failed', passes: pass, plan, retryAt: applied.retryAt };
        }

        // Creates withheld (backoff, storm pacing): wait, the next run plans again.
        if (create < plan.create) {
            return { outcome: 'wait', passes: pass, plan, retryAt: resumeAt };
        }
    }

    return { outcome: plan?.outcome ?? 'act', passes: deps.maxPasses, plan, retryAt: null };
};

export const convergeGroup = async (deps: ConvergerDeps, groupId: GroupId, now: Date = deps.clock.now()): Promise<ConvergeResult> => {
    const generation = await deps.store.claimLease(groupId, deps.holder, now, deps.leaseTtlMs);
    if (generation === null) {
        return { groupId, outcome: 'busy', passes: 0, plan: null, retryAt: null };
    }

    try {
        return { groupId, ...(await runPasses(deps, groupId, now, generation)) };
    }
    finally {
        await deps.store.releaseLease(groupId, deps.holder).catch((err: unknown) => {
            deps.unwritten?.lease(groupId, deps.holder);
            throw err;
        });
    }
};
