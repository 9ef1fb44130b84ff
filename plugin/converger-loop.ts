// The converger's background work: a run per group, kicked right after every
// accepted decision, and a self-heal sweep of every group each
// intervals.convergeS. Runs of one group are chained in this process (a kick
// during a run queues one more run, never a second one at once); across
// processes the group lease keeps them apart. Started in onPreStart, drained
// in onPostStop.
import type { Server } from '@hapi/hapi';
import { randomUUID } from 'node:crypto';
import { convergeGroup, type ConvergeResult, type ConvergerDeps } from '../core/converge/run';
import { GroupId } from '../core/model/ids';
import { triage } from '../core/converge/sweep';
import type { Compute } from '../core/ports/compute';
import type { ConvergenceStore } from '../core/ports/convergence';
import { computeOf } from './compute';
import { limiter } from '../core/engine/limiter';
import { every, type Ticker } from './loops';
import { regionOf, storeOf, type Runtime } from './runtime';

export interface ConvergerLoop {
    readonly enabled: boolean;
    kick(groupId: GroupId): void;
    // One run for the group (after any run in flight), or for every group with something to do.
    convergeOnce(groupId?: string): Promise<readonly ConvergeResult[]>;
    // One self-heal sweep: every unpaused group.
    sweepOnce(): Promise<readonly ConvergeResult[]>;
    start(): void;
    stop(): Promise<void>;
}

// The least wait before a group told when to come back is looked at again.
const MIN_RECHECK_MS = 10;
const COUNT_TTL_MS = 1000;

interface Engine {
    readonly compute: Compute;
    readonly store: ConvergenceStore;
}

export const convergerLoop = (runtime: Runtime, server: Server): ConvergerLoop => {
    const { settings } = runtime;
    // Made at each start and closed at each stop: a breaker's timers live with the server.
    const enabled = runtime.settings.openstack.compute !== undefined || runtime.settings.openstack.serviceAccount !== undefined;
    let guarded: ReturnType<typeof computeOf> = null;
    // What runs use, made at start: the Compute, and the store with its storm count cached.
    let engine: Engine | null = null;
    const instance = randomUUID();
    const chains = new Map<GroupId, Promise<ConvergeResult | null>>();
    const queued = new Set<GroupId>();
    const rechecks = new Set<NodeJS.Timeout>();
    let runs = 0;
    // Runs of different groups at once, across kicks, rechecks and sweeps.
    const slots = limiter(settings.converger.parallelGroups);
    let stopped = true;
    const stoppedNow = (): boolean => stopped;
    let sweep: Ticker | null = null;

    const log = (tags: string[], data: unknown) => server.log(['nova-autoscale', 'converger', ...tags], data instanceof Error ? data : String(data));

    // The storm guard's count is one statement over every group: a second old
    // is fresh enough to tell a storm, and spares it on every run of one.
    const countsCached = (store: ConvergenceStore): ConvergenceStore => {
        let counted: { at: number; counts: ReturnType<ConvergenceStore['scaleUpCounts']> } | null = null;
        return {
            ...store,
            scaleUpCounts: () => {
                const now = settings.clock.now().getTime();
                if (counted === null || now - counted.at >= COUNT_TTL_MS || now < counted.at) {
                    const counts = store.scaleUpCounts();
                    counted = { at: now, counts };
                    counts.catch(() => { counted = null; });
                }

                return counted.counts;
            }
        };
    };

    const depsOf = ({ compute, store }: Engine): ConvergerDeps => ({
        store,
        compute,
        clock: settings.clock,
        holder: `${instance}/${++runs}`,
        region: regionOf(runtime),
        buildTimeoutS: settings.intervals.buildTimeoutS,
        orphanGraceS: settings.converger.orphanGraceS,
        leaseTtlMs: settings.converger.leaseTtlS * 1000,
        maxPasses: settings.converger.maxPasses,
        concurrency: settings.converger.concurrency,
        backoff: { baseMs: settings.converger.backoffBaseMs, capMs: settings.converger.backoffCapMs },
        ...(settings.converger.stormGuard === false ? {} : { stormGuard: settings.converger.stormGuard })
    });

    // A group left waiting (builds, deletes under way, failed calls) is looked
    // at again soon, then less and less often while it keeps waiting: a quick
    // build is seen in seconds, a slow one costs a listing a minute at most.
    // A group told when it may go on (a backoff, pacing, a hold) comes back then.
    const waits = new Map<GroupId, number>();
    // A hold on an unknown listing is Nova failing, not the group's choice: look again too.
    const unsettled = (result: ConvergeResult): boolean =>
        ['wait', 'failed', 'busy', 'act'].includes(result.outcome) ||
        (result.outcome === 'hold' && (result.plan?.holds ?? []).some((h) => h.reason === 'listing_unknown'));
    const recheckDelay = (result: ConvergeResult): number => {
        if (result.retryAt !== null) {
            return Math.max(MIN_RECHECK_MS, result.retryAt.getTime() - settings.clock.now().getTime());
        }

        const n = waits.get(result.groupId) ?? 0;
        waits.set(result.groupId, n + 1);
        return Math.min(settings.converger.recheckMs * 2 ** n, 60_000);
    };
    const recheckLater = (result: ConvergeResult) => {
        if (stopped || settings.converger.recheckMs === 0 || !unsettled(result)) {
            waits.delete(result.groupId);
            return;
        }

        const timer = setTimeout(() => {
            rechecks.delete(timer);
            kick(result.groupId);
        }, recheckDelay(result)).unref();
        rechecks.add(timer);
    };

    const run = (groupId: GroupId): Promise<ConvergeResult | null> => {
        const previous = chains.get(groupId) ?? Promise.resolve(null);
        const next = previous.then(() => {
            queued.delete(groupId);
            const e = engine;
            return e ? slots(() => convergeGroup(depsOf(e), groupId)) : null;
        });
        chains.set(groupId, next.catch(() => null));
        const settle = () => {
            if (chains.get(groupId) === next) {
                chains.delete(groupId);
            }
        };

        next.then(settle, settle);
        return next;
    };

    const kick = (groupId: GroupId): void => {
        if (stopped || !engine || queued.has(groupId)) {
            return;
        }

        queued.add(groupId);
        run(groupId).then((result) => {
            if (result) {
                recheckLater(result);
            }
        }, (err: unknown) => log(['error'], err));
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
            const batch = await storeOf(runtime).groupsToConverge(settings.converger.sweepBatch, after);
            results.push(...await runAll(batch));
            if (batch.length < settings.converger.sweepBatch || stoppedNow()) {
                return results;
            }

            after = batch[batch.length - 1] ?? '';
        }
    };

    // Every unpaused group, a page at a time, each project listed once
    // (core/converge/sweep.ts); the next page is read while this one is looked at.
    const sweepOnce = async (): Promise<readonly ConvergeResult[]> => {
        const e = engine;
        if (!e) {
            return [];
        }

        const store = storeOf(runtime);
        const size = settings.converger.sweepBatch;
        const results: ConvergeResult[] = [];
        let next = store.sweepPage(size, null);
        for (; ;) {
            const page = await next;
            const last = page[page.length - 1];
            const more = page.length === size && last !== undefined && !stoppedNow();
            if (more) {
                next = store.sweepPage(size, { tenantId: last.tenantId, groupId: last.groupId });
                next.catch(() => undefined);   // awaited on the next turn; never an unhandled rejection meanwhile
            }

            const { steady, unsettled: rest } = await triage(depsOf(e), page);
            const ran = await runAll(rest);
            steady.forEach((r) => waits.delete(r.groupId));
            ran.forEach(recheckLater);
            results.push(...steady, ...ran);
            if (!more) {
                return results;
            }
        }
    };

    return {
        enabled,
        kick,
        convergeOnce,
        sweepOnce,
        start: () => {
            stopped = false;
            guarded = computeOf(runtime);
            runtime.compute = guarded?.compute ?? null;
            engine = guarded && { compute: guarded.compute, store: countsCached(storeOf(runtime)) };
            if (!engine) {
                log(['info'], 'No openstack.compute or openstack.serviceAccount: no converger runs, desired capacity is recorded only');
                return;
            }

            sweep = every(settings.intervals.convergeS * 1000, sweepOnce, (err) => log(['error'], err));
        },
        stop: async () => {
            stopped = true;
            rechecks.forEach(clearTimeout);
            rechecks.clear();
            await sweep?.stop();
            sweep = null;
            await Promise.all([...chains.values()]);
            guarded?.close();
            guarded = null;
            engine = null;
            runtime.compute = null;
        }
    };
};
