// The converger's background work (design idea 1): a run per group, kicked
// right after every accepted decision, looked at again while it waits, and a
// self-heal sweep of every group each intervals.convergeS. Runs of one group
// are chained in this process (a kick during a run queues one more run, never
// a second one at once); across processes the group lease keeps them apart.
import { noTelemetry, type Telemetry } from '../ports/telemetry';
import { WHOLE, type SweepShare } from '../decide/sweep-share';
import { DomainError } from '../model/errors';
import { convergeGroup, type ConvergeResult, type ConvergerDeps } from '../converge/run';
import { triage } from '../converge/sweep';
import { unwrittenWrites } from '../converge/unwritten';
import type { StormGuardOptions } from '../converge/storm-guard';
import { GroupId, type InstanceId } from '../model/ids';
import type { Clock } from '../ports/clock';
import { cachedFor } from './cached';
import type { Compute } from '../ports/compute';
import type { LoadBalancerMembers } from '../ports/load-balancers';
import type { ConvergenceStore } from '../ports/convergence';
import type { Scheduler, Timer } from '../ports/scheduler';
import { limiter, type Limiter } from './limiter';
import { errorData, type Log } from './log';
import { every, type Ticker } from './ticker';

export interface ConvergerSettings {
    readonly convergeS: number;          // the self-heal sweep's period
    readonly buildTimeoutS: number;
    readonly orphanGraceS: number;
    readonly leaseTtlS: number;
    readonly maxPasses: number;
    readonly recheckMs: number;          // 0: a waiting group waits for a kick or the sweep
    readonly concurrency: number;
    readonly parallelGroups: number;
    readonly sweepBatch: number;
    readonly backoffBaseMs: number;
    readonly backoffCapMs: number;
    readonly stormGuard: false | StormGuardOptions;
}

// A Compute made at each start and closed at each stop: a breaker's timers
// live with the server. Octavia beside it, for the members stages (null: none).
export interface OpenedCompute {
    readonly compute: Compute;
    readonly members: LoadBalancerMembers | null;
    close(): void;
}

export interface ConvergerLoopDeps {
    readonly store: ConvergenceStore;
    readonly enabled: boolean;                           // a Compute is configured: openCompute gives one
    readonly openCompute: () => OpenedCompute | null;   // null: no converger runs
    readonly clock: Clock;
    readonly scheduler: Scheduler;
    readonly log: Log;
    readonly telemetry?: Telemetry;
    // Lease holders are `${instance}/${run}`: unique per run, and GET /admin/instances counts an instance's leases by that prefix.
    readonly instance: InstanceId;
    readonly region: string | null;
    readonly settings: ConvergerSettings;
    // This instance's share of the sweep (core/decide/sweep-share.ts).
    readonly sweepShare: () => Promise<SweepShare>;
}

export interface ConvergerLoop {
    readonly enabled: boolean;
    kick(groupId: GroupId): void;
    // One run for the group (after any run in flight), or for every group with something to do.
    convergeOnce(groupId?: string): Promise<readonly ConvergeResult[]>;
    // One self-heal sweep: every unpaused group.
    sweepOnce(): Promise<readonly ConvergeResult[]>;
    // The Compute while the loop runs (for the links of a group's servers).
    compute(): Compute | null;
    start(): void;
    stop(): Promise<void>;
}

// The least wait before a group told when to come back is looked at again.
const MIN_RECHECK_MS = 10;
const MAX_RECHECK_MS = 60_000;
const COUNT_TTL_MS = 1000;

// The storm guard's count is one statement over every group: a second old is
// fresh enough to tell a storm, and spares it on every run of one.
// How often lapsed leases are looked for: a sixth of the TTL (5 s at the
// default 30 s), so a dead instance's groups go on elsewhere within the TTL
// and that (contract §9: TTL + 5 s).
export const takeoverMs = (leaseTtlS: number): number => Math.ceil(leaseTtlS * 1000 / 6);

export const countsCached = (store: ConvergenceStore, clock: Clock): ConvergenceStore =>
    ({ ...store, scaleUpCounts: cachedFor(clock, COUNT_TTL_MS, () => store.scaleUpCounts()) });

// A group left waiting (builds, deletes under way, failed calls) is looked at
// again; a hold on an unknown listing is Nova failing, not the group's choice.
export const unsettled = (result: ConvergeResult): boolean =>
    ['wait', 'failed', 'busy', 'act'].includes(result.outcome) ||
    (result.outcome === 'hold' && (result.plan?.holds ?? []).some((h) => h.reason === 'listing_unknown'));

// A group waiting on Nova (builds, deletes) is looked at again after a tenth
// of the time it has waited so far: a server is in service at most about 10 %
// after Nova says ACTIVE, whatever the build takes. Doubling from recheckMs
// saw a 5 s build at 6 s and a 31 s one at 62 s. The least step is an eighth
// of recheckMs (250 ms at the default), so a quick build is not missed by a
// whole step; the cost is a listing per step, about 17 for a 5 s build and
// 36 for a 30 s one (3 and 4 with doubling).
const BUILD_WAIT_SHARE = 0.1;
const BUILD_WAIT_STEPS_PER_RECHECK = 8;

// Failed calls and runs that ran out of passes: soon, then less and less
// often, a listing a minute at most. A group told when it may go on (a
// backoff, pacing, a hold) comes back then.
export const recheckDelay = (result: ConvergeResult, waitsSoFar: number, recheckMs: number, now: Date, waitingSince: Date = now): number => {
    if (result.retryAt !== null) {
        return Math.max(MIN_RECHECK_MS, result.retryAt.getTime() - now.getTime());
    }

    if (result.outcome === 'wait') {
        const waited = Math.max(0, now.getTime() - waitingSince.getTime());
        return Math.min(Math.max(recheckMs / BUILD_WAIT_STEPS_PER_RECHECK, waited * BUILD_WAIT_SHARE), MAX_RECHECK_MS);
    }

    return Math.min(recheckMs * 2 ** waitsSoFar, MAX_RECHECK_MS);
};

// Runs of one group one after another, each after the one before it settles;
// a group's entry goes when its last run has.
export const groupChains = () => {
    const chains = new Map<GroupId, Promise<unknown>>();
    const queued = new Set<GroupId>();
    const run = <T>(groupId: GroupId, work: () => Promise<T>): Promise<T> => {
        const next = (chains.get(groupId) ?? Promise.resolve()).then(() => {
            queued.delete(groupId);
            return work();
        });
        const settled = next.then(() => undefined, () => undefined);
        chains.set(groupId, settled);
        void settled.then(() => {
            if (chains.get(groupId) === settled) {
                chains.delete(groupId);
            }
        });
        return next;
    };

    return {
        run,
        // True when the group is now queued; false when a run is already queued for it.
        queue: (groupId: GroupId): boolean => {
            if (queued.has(groupId)) {
                return false;
            }

            queued.add(groupId);
            return true;
        },
        size: () => chains.size,
        drain: () => Promise.all([...chains.values()])
    };
};

export const convergerLoop = (deps: ConvergerLoopDeps): ConvergerLoop => {
    const { settings, clock, scheduler } = deps;
    const store = countsCached(deps.store, clock);
    const telemetry = deps.telemetry ?? noTelemetry;
    // What a run uses while the loop runs: the Compute opened at start.
    let opened: OpenedCompute | null = null;
    let stopped = true;
    let runs = 0;
    let sweep: Ticker | null = null;
    let takeover: Ticker | null = null;
    const rechecks = new Map<GroupId, Timer>();
    const waits = new Map<GroupId, number>();
    const waitingSince = new Map<GroupId, Date>();   // when the group's present wait on Nova began
    // Groups this instance will look at again, as the database says (their
    // watcher): another instance goes on with them if this one dies.
    const watched = new Set<GroupId>();
    // What runs of this process could not write as the database went away; written before the next run.
    const unwritten = unwrittenWrites();

    const depsOf = ({ compute, members }: OpenedCompute): ConvergerDeps => ({
        store,
        compute,
        ...(members === null ? {} : { members }),
        clock,
        holder: `${deps.instance}/${++runs}`,
        region: deps.region,
        buildTimeoutS: settings.buildTimeoutS,
        orphanGraceS: settings.orphanGraceS,
        leaseTtlMs: settings.leaseTtlS * 1000,
        maxPasses: settings.maxPasses,
        concurrency: settings.concurrency,
        backoff: { baseMs: settings.backoffBaseMs, capMs: settings.backoffCapMs },
        ...(settings.stormGuard === false ? {} : { stormGuard: settings.stormGuard }),
        unwritten
    });

    // Runs of different groups at once, across kicks, rechecks and sweeps.
    const slots: Limiter = limiter(settings.parallelGroups);
    const chains = groupChains();
    // A run first writes what earlier ones could not: while the database is
    // still away it fails there, before anything is sent.
    const runWith = (ports: OpenedCompute, groupId: GroupId): Promise<ConvergeResult> =>
        chains.run(groupId, () => slots(async () => {
            await unwritten.write(store);
            return convergeGroup(depsOf(ports), groupId);
        })).then((result) => {
            telemetry.convergeRun(groupId, result.outcome);
            return result;
        }, (err: unknown) => {
            telemetry.convergeRun(groupId, 'error');
            throw err;
        });
    // A run asked for by hand finds no Compute before start and after stop.
    const run = (groupId: GroupId): Promise<ConvergeResult | null> =>
        opened ? runWith(opened, groupId) : Promise.resolve(null);

    // Says so in the database when a group starts or stops waiting on this
    // instance; once each way, not on every recheck. A failed write is tried
    // at the next change (the group is still looked at here meanwhile).
    const watch = (groupId: GroupId, waiting: boolean): void => {
        if (waiting === watched.has(groupId)) {
            return;
        }

        if (waiting) {
            watched.add(groupId);
        }
        else {
            watched.delete(groupId);
        }

        store.watchGroup(groupId, waiting ? deps.instance : null).catch((err: unknown) => {
            watched.delete(groupId);
            deps.log(['converger', 'error'], `watch ${groupId}: ${String(errorData(err))}`);
        });
    };

    // At most one recheck per group: the newest result says when.
    const recheckLater = (result: ConvergeResult): void => {
        rechecks.get(result.groupId)?.cancel();
        rechecks.delete(result.groupId);
        if (stopped || settings.recheckMs === 0 || !unsettled(result)) {
            waits.delete(result.groupId);
            waitingSince.delete(result.groupId);
            // A stopping instance leaves its watches: the others take them up.
            if (!stopped) {
                watch(result.groupId, false);
            }

            return;
        }

        watch(result.groupId, true);

        const n = waits.get(result.groupId) ?? 0;
        if (result.retryAt === null) {
            waits.set(result.groupId, n + 1);
        }

        const now = clock.now();
        const since = result.outcome === 'wait' ? waitingSince.get(result.groupId) ?? now : now;
        if (result.outcome === 'wait') {
            waitingSince.set(result.groupId, since);
        }
        else {
            waitingSince.delete(result.groupId);
        }

        recheckIn(result.groupId, recheckDelay(result, n, settings.recheckMs, now, since));
    };

    const recheckIn = (groupId: GroupId, ms: number): void => {
        rechecks.set(groupId, scheduler.after(ms, () => {
            rechecks.delete(groupId);
            kick(groupId);
        }));
    };

    // A run that threw is looked at again: with the database out of reach
    // (its first step is a statement, so the retry sends Nova nothing until the
    // database answers) every recheckMs, so the group goes on within that of
    // the database's return; after anything else, less and less often.
    const recheckAfterThrow = (groupId: GroupId, err: unknown): void => {
        rechecks.get(groupId)?.cancel();
        rechecks.delete(groupId);
        if (stopped || settings.recheckMs === 0) {
            return;
        }

        const outage = err instanceof DomainError && err.kind === 'unavailable';
        const n = waits.get(groupId) ?? 0;
        if (!outage) {
            waits.set(groupId, n + 1);
        }

        recheckIn(groupId, outage ? settings.recheckMs : Math.min(settings.recheckMs * 2 ** n, MAX_RECHECK_MS));
    };

    const kick = (groupId: GroupId): void => {
        if (stopped || !opened || !chains.queue(groupId)) {
            return;
        }

        // The run is chained before stop() drains the chains: the Compute outlives it.
        runWith(opened, groupId).then(recheckLater, (err: unknown) => {
            deps.log(['converger', 'error'], errorData(err));
            recheckAfterThrow(groupId, err);
        });
    };

    const runAll = async (ids: readonly GroupId[]): Promise<ConvergeResult[]> =>
        (await Promise.all(ids.map(run))).filter((r): r is ConvergeResult => r !== null);

    // Every group with something to do, a page at a time.
    const convergeOnce = async (groupId?: string): Promise<readonly ConvergeResult[]> => {
        if (groupId !== undefined) {
            return runAll([GroupId(groupId)]);
        }

        const results: ConvergeResult[] = [];
        for (let after = ''; ;) {
            const batch = await store.groupsToConverge(settings.sweepBatch, after);
            results.push(...await runAll(batch));
            if (batch.length < settings.sweepBatch || stopped) {
                return results;
            }

            after = batch[batch.length - 1] ?? '';
        }
    };

    // Every unpaused group, a page at a time, each project listed once
    // (core/converge/sweep.ts); the next page is read while this one is looked at.
    const sweepOnce = async (): Promise<readonly ConvergeResult[]> => {
        const ports = opened;
        if (!ports) {
            return [];
        }

        const size = settings.sweepBatch;
        const results: ConvergeResult[] = [];
        // Unknown (the database, the instances' rows): every group, rather than none.
        const share = await deps.sweepShare().catch((err: unknown) => {
            deps.log(['converger', 'error'], `sweep share: ${String(errorData(err))}`);
            return WHOLE;
        });
        let next = store.sweepPage(size, null, share);
        for (; ;) {
            const page = await next;
            const last = page[page.length - 1];
            const more = page.length === size && last !== undefined && !stopped;
            if (more) {
                next = store.sweepPage(size, { tenantId: last.tenantId, groupId: last.groupId }, share);
                next.catch(() => undefined);   // awaited on the next turn; never an unhandled rejection meanwhile
            }

            const { steady, unsettled: rest } = await triage(depsOf(ports), page, scheduler.turn);
            const ran = await runAll(rest);
            steady.forEach((r) => {
                waits.delete(r.groupId);
                waitingSince.delete(r.groupId);
                watch(r.groupId, false);
            });
            ran.forEach(recheckLater);
            results.push(...steady, ...ran);
            if (!more) {
                return results;
            }
        }
    };

    // The groups of runs that died (a kill -9): a run lets go of its lease as it
    // ends, so a lease past its expiry names a group no one converges now; and
    // the waiting groups of instances gone (no lease between runs), made this
    // one's. Here too what runs could not write is written, whether or not one
    // of its groups is kicked again.
    const takeOver = async (): Promise<void> => {
        await unwritten.write(store);
        const now = clock.now();
        (await store.lapsedLeases(now, settings.sweepBatch)).forEach(kick);
        const adopted = await store.adoptOrphanedWatches(deps.instance, new Date(now.getTime() - settings.leaseTtlS * 1000), settings.sweepBatch);
        adopted.forEach((groupId) => {
            watched.add(groupId);
            kick(groupId);
        });
    };

    return {
        enabled: deps.enabled,
        kick,
        convergeOnce,
        sweepOnce,
        compute: () => opened?.compute ?? null,
        start: () => {
            stopped = false;
            opened = deps.openCompute();
            if (!opened) {
                deps.log(['converger', 'info'], 'No openstack.compute or openstack.serviceAccount: no converger runs, desired capacity is recorded only');
                return;
            }

            sweep = every(scheduler, settings.convergeS * 1000, sweepOnce, (err) => deps.log(['converger', 'error'], errorData(err)));
            takeover = every(scheduler, takeoverMs(settings.leaseTtlS), takeOver, (err) => deps.log(['converger', 'error'], errorData(err)));
        },
        stop: async () => {
            stopped = true;
            rechecks.forEach((timer) => timer.cancel());
            rechecks.clear();
            await sweep?.stop();
            sweep = null;
            await takeover?.stop();
            takeover = null;
            await chains.drain(); // runs in flight finish before the database goes
            opened?.close();
            opened = null;
        }
    };
};
