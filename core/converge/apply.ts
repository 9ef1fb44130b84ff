// Apply, for the converger: a plan's deletes and creates against Nova, with
// the ledger written first (design idea 3) and one activity row per step.
// A failed call is an outcome, recorded with its reason code, never an
// exception that escapes: the next pass (or the next run) plans again.
import { convergerRow, serverRequest } from './observe';
import type { Plan, PlannedDelete } from './plan';
import type { Clock } from '../ports/clock';
import { type Compute, type ComputeScope } from '../ports/compute';
import { ComputeError } from '../model/server';
import type { ConvergenceSnapshot, ConvergenceStore } from '../ports/convergence';
import type { ActivityInput } from '../model/activity';
import type { LeaseGeneration } from '../model/ids';
import { joinDetail } from '../model/members';
import { stagesOf } from '../model/workflow';
import { limiter } from '../engine/limiter';
import type { Unwritten } from './unwritten';

export interface ApplyResult {
    readonly failures: number;
    readonly created: number;
    readonly refusedBuilds: number;       // creates refused bad_request / quota: failed builds, for the group's backoff
    readonly groupError: string | null;   // quota or a bad launch configuration: the group's status becomes ERROR
    readonly retryAt: Date | null;        // the soonest a held or rate-limited call may be tried again, when one said
    readonly fenced: boolean;             // the lease changed hands before a step was recorded: nothing of it was sent
}

// Answers that prove the create never happened: its intent can be retired at
// once instead of counting as pending until the build timeout. A timeout or a
// 5xx may have created the server: the intent stays, to be adopted or retired.
// ('breaker_open' / 'held' are the guard's kinds: nothing was sent.)
const notSent: ReadonlySet<string> = new Set(['bad_request', 'quota', 'unauthorized', 'not_found', 'over_limit', 'breaker_open', 'held']);

// The customer's launch configuration or quota is at fault: the group's status says so.
const groupFaults: ReadonlySet<string> = new Set(['bad_request', 'quota']);

const deleteOne = async (compute: Compute, store: ConvergenceStore, scope: ComputeScope, d: PlannedDelete): Promise<Pick<ActivityInput, 'kind' | 'outcome' | 'reason' | 'message'>> => {
    try {
        const answer = await compute.deleteServer(scope, d.serverId);
        if (answer === 'gone' && d.intentId !== null) {
            await store.retireIntent(d.intentId, d.reason);
        }

        return { kind: 'delete', outcome: 'done', reason: d.reason, message: `Deleting server ${d.serverId} (${d.reason})${answer === 'gone' ? ': already gone' : ''}` };
    }
    catch (err) {
        if (!(err instanceof ComputeError)) {
            throw err;
        }

        return { kind: 'delete', outcome: 'failed', reason: err.kind, message: `Delete of server ${d.serverId} (${d.reason}) failed: ${err.message}` };
    }
};

export interface ApplyDeps {
    readonly store: ConvergenceStore;
    readonly compute: Compute;
    readonly clock: Clock;
    readonly concurrency: number;
    // Where an intent never sent that the database would not retire is kept, to be retired once it is back.
    readonly unwritten?: Unwritten;
}

// `holds`: asked before each call to Nova; false once the pass must stop
// sending (core/converge/plan-holds.ts): what it has not sent, it does not send.
// The ledger steps before the calls (deletes marked, intents written) are
// fenced by the lease's `generation`: one not recorded is not sent.
export const applyPlan = async (deps: ApplyDeps, snap: ConvergenceSnapshot, scope: ComputeScope, plan: Plan, holds: () => Promise<boolean>, generation: LeaseGeneration): Promise<ApplyResult> => {
    const { store, compute } = deps;
    const rows: ActivityInput[] = [];
    const withheld = { deletes: 0, creates: 0 };
    let failures = 0;
    let created = 0;
    let refusedBuilds = 0;
    let groupError: string | null = null;
    let retryAfterS: number | null = null;
    let fenced = false;
    const noteRetry = (err: ComputeError) => {
        if (err.retryAfterS !== null) {
            retryAfterS = Math.min(retryAfterS ?? err.retryAfterS, err.retryAfterS);
        }
    };

    // Deletes first: a failed server goes before its replacement is asked for.
    // Marked under the fence even when none is ours (an orphan's delete): the
    // lease must still be the run's before any delete is sent.
    const owned = plan.deletes.flatMap((d) => (d.intentId === null ? [] : [{ intentId: d.intentId, reason: d.reason }]));
    fenced = plan.deletes.length > 0 && !(await store.markDeleting(snap.groupId, owned, generation));

    // A sliding window of `concurrency` calls: the next goes as soon as one is
    // answered, not when the slowest of a batch is.
    const slot = limiter(deps.concurrency);
    for (const r of await Promise.all(plan.deletes.map((d) => slot(async () => (!fenced && await holds() ? deleteOne(compute, store, scope, d) : null))))) {
        if (r === null) {
            withheld.deletes++;   // the next pass's plan deletes it, or keeps it
            continue;
        }

        failures += r.outcome === 'failed' ? 1 : 0;
        rows.push(convergerRow(snap, r));
    }

    // Ledger writes only: the workflows run elsewhere and come back to the plan.
    if (plan.leaves.length > 0 && !fenced) {
        await store.leaveServers(snap.groupId, plan.leaves, plan.leaves.map((l) => convergerRow(snap, {
            kind: 'leave', outcome: 'done', reason: l.reason, message: `Server ${l.serverId} (${l.reason}) leaves through its terminate workflow before its delete`
        })));
    }

    if (plan.joins.length > 0 && !fenced) {
        const joins = snap.loadBalancers.length > 0;
        const stages = { launch: stagesOf(snap.workflow, 'launch', joins), terminate: stagesOf(snap.workflow, 'terminate', joins) };
        // The pools are the launch configuration's as it is now: a later change applies to servers joining after it.
        const members = joins ? joinDetail(snap.loadBalancers, snap.drainingTimeoutS) : null;
        await store.joinServers(snap.groupId, plan.joins.map((intentId) => ({ intentId, ...stages, workflow: snap.workflow, members })), plan.joins.map((intentId) => convergerRow(snap, {
            kind: 'join', outcome: 'done', reason: 'joining', message: `Intent ${intentId} is ACTIVE in Nova: its launch workflow (${stages.launch.join(', ')}) starts`
        })));
    }

    // Replacements of failed servers first, then growth, for the reason codes.
    // The failed servers of this plan (deleted now, or leaving first) are what its first creates replace.
    const replacing = plan.members.filter((m) => m.condition === 'failed').length;
    const written = plan.create > 0 && !fenced ? await store.writeIntents(snap.groupId, plan.create, generation) : [];
    if (written === null) {
        fenced = true;
    }

    const intents = written ?? [];
    withheld.creates = plan.create - intents.length;
    // The ids Nova gave are written together once the creates are answered; a
    // crash before leaves intents the next listing adopts by the intent id
    // each server carries (as a crash between a create and its answer does).
    const ids: { intentId: string; serverId: string }[] = [];
    const createRows: ActivityInput[] = [];   // in the intents' order, whatever order the answers came in
    // An intent whose create was never sent is retired now, not counted as in
    // flight until the build timeout; one the database will not take now is retired later.
    const unsent = async (intentId: string, reason: string): Promise<void> => {
        try {
            await store.retireIntent(intentId, reason);
        }
        catch (err) {
            deps.unwritten?.unsent(intentId, reason);
            throw err;
        }
    };

    // Every create started is waited for, even once one has failed: a pass
    // ends with nothing of its own still sending (after its lease is let go)
    // and with the ids of all it sent written.
    const sends = await Promise.allSettled(intents.map((intent, i) => slot(async () => {
        const reason = i < replacing ? 'replace' as const : 'scale_up' as const;
        let holding: boolean;
        try {
            holding = await holds();
        }
        catch (err) {
            // The look failed (the database away): nothing is sent, and the ledger cannot say so yet.
            deps.unwritten?.unsent(intent.intentId, 'create_replanned');
            throw err;
        }

        if (!holding) {
            withheld.creates++;
            await unsent(intent.intentId, 'create_replanned');
            return;
        }

        try {
            const { id } = await compute.createServer(scope, serverRequest(snap.launchServer, snap.groupId, intent.intentId));
            ids.push({ intentId: intent.intentId, serverId: id });
            created++;
            createRows[i] = convergerRow(snap, { kind: 'create', outcome: 'done', reason, message: `Creating server ${id} (intent ${intent.intentId})` });
        }
        catch (err) {
            if (!(err instanceof ComputeError)) {
                throw err;
            }

            failures++;
            noteRetry(err);
            if (notSent.has(err.kind)) {
                await unsent(intent.intentId, `create_${err.kind}`);
            }

            if (groupFaults.has(err.kind)) {
                groupError = err.message;
                refusedBuilds++;
            }

            createRows[i] = convergerRow(snap, { kind: 'create', outcome: 'failed', reason: err.kind, message: `Create (intent ${intent.intentId}) failed: ${err.message}` });
        }
    })));
    if (ids.length > 0) {
        await store.setServerIds(ids);
    }

    const thrown = sends.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (thrown !== undefined) {
        throw thrown.reason;
    }

    rows.push(...createRows.filter((row) => row !== undefined));
    if (withheld.deletes + withheld.creates > 0) {
        rows.push(convergerRow(snap, {
            kind: 'hold', outcome: 'done', reason: 'replanned',
            message: `${withheld.creates} create(s) and ${withheld.deletes} delete(s) not sent: the group changed while this pass sent (desired, a pause or a kill-switch), or its lease went; planned again`
        }));
    }

    await store.recordActivity(snap.groupId, rows);
    const retryAt = retryAfterS === null ? null : new Date(deps.clock.now().getTime() + retryAfterS * 1000);
    return { failures, created, refusedBuilds, groupError, retryAt, fenced };
};
