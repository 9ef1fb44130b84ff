// The schedule loop (contract §8): every instance ticks, reads the schedule
// policies afresh (a change or a delete counts from the next tick), and runs
// each due time as a trigger with `source: schedule`. The due time is the
// trigger's event id, so a time that several instances see is one decision:
// the first to write it decides (its activity row is the firing), the
// others get a replay and kick nothing. Refusals (paused, cooldown, ...) are
// the supervisor's, as for any trigger.
import { noTelemetry, type ScheduleFiring, type Telemetry } from '../ports/telemetry';
import { firingEventId, scheduleStep, type ScheduleStep } from '../decide/schedule';
import { DomainError } from '../model/errors';
import type { TriggerRequest, TriggerResult } from '../model/trigger';
import type { Clock } from '../ports/clock';
import type { CronTimes, SchedulePolicy, ScheduleStore } from '../ports/schedules';
import type { Scheduler } from '../ports/scheduler';
import { limiter } from './limiter';
import { errorData, type Log } from './log';
import { every, type Ticker } from './ticker';

export interface SchedulesDeps {
    readonly store: ScheduleStore;
    readonly cronTimes: CronTimes;
    readonly trigger: (request: TriggerRequest) => Promise<TriggerResult>;
    readonly clock: Clock;
    readonly scheduler: Scheduler;
    readonly log: Log;
    readonly telemetry?: Telemetry;
    readonly graceMs: number;
    readonly intervalMs: number;           // a tick this often (0: only when asked)
    readonly concurrency: number;          // policies looked at once
    // Where in the list of policies a tick starts (taken modulo its length):
    // instances that start at different places take different due times first
    // instead of all racing for the same ones (random in the host).
    readonly startAt: () => number;
}

export interface TickReport {
    readonly fired: number;                // triggers this instance decided (accepted or refused)
    readonly replayed: number;             // due times another instance had decided
    readonly missed: number;               // times skipped, older than the grace
}

type Report = { -readonly [K in keyof TickReport]: TickReport[K] };

// Policies looked at together: one look at which of their firings are decided.
export const CHUNK = 50;

export interface Schedules {
    runOnce(): Promise<TickReport>;
    start(): void;
    stop(): Promise<void>;
}

export const schedules = (deps: SchedulesDeps): Schedules => {
    const { store, clock, log } = deps;
    const telemetry = deps.telemetry ?? noTelemetry;
    const tell = (policy: SchedulePolicy, result: ScheduleFiring, due: Date, count = 1): void =>
        telemetry.scheduleFiring({ result, count, tenantId: policy.tenantId, groupId: policy.groupId, policyId: policy.policyId, due });
    let ticker: Ticker | null = null;

    // One policy's due times; a failure leaves it where it was, to be looked at again next tick.
    const runPolicy = async (policy: SchedulePolicy, step: ScheduleStep, decided: ReadonlySet<string>, now: Date, report: Report): Promise<void> => {
        const last = step.missed[step.missed.length - 1];
        if (last !== undefined || step.uncounted) {
            await store.recordMissed({ policy, count: step.missed.length, atLeast: step.uncounted, last: last ?? policy.from }, now);
            report.missed += step.missed.length;
            tell(policy, 'missed', last ?? policy.from, step.missed.length);
        }

        for (const due of step.fire) {
            const eventId = firingEventId(policy.policyId, due);
            if (decided.has(eventId)) {
                report.replayed++;
                tell(policy, 'replayed', due);
                continue;
            }

            const result = await deps.trigger({
                tenantId: policy.tenantId, groupId: policy.groupId, policyId: policy.policyId, source: 'schedule',
                eventId, forced: false, circleBack: false, who: 'schedule', note: null
            }).catch((err: unknown) => {
                // Deleted since it was read: nothing more to run. Anything else is tried again next tick.
                if (err instanceof DomainError && err.kind === 'not_found') {
                    return null;
                }

                throw err;
            });
            if (result === null) {
                return;
            }

            report[result.replay ? 'replayed' : 'fired']++;
            tell(policy, result.replay ? 'replayed' : 'fired', due);
        }

        if (step.advance) {
            await store.advanceSchedule(policy.policyId, policy.from, step.through);
        }
    };

    // The firings of a chunk another instance has decided meanwhile, in one
    // look; none known when the look fails (the trigger's own check still holds).
    const decidedOf = async (steps: readonly { policy: SchedulePolicy; step: ScheduleStep }[]): Promise<ReadonlySet<string>> => {
        const firings = steps.flatMap(({ policy, step }) => step.fire.map((due) => ({ groupId: policy.groupId, eventId: firingEventId(policy.policyId, due) })));
        return firings.length === 0 ? new Set() : store.decided(firings).catch((err: unknown) => {
            log(['schedule', 'error'], `decided firings: ${String(errorData(err))}`);
            return new Set<string>();
        });
    };

    const slots = limiter(deps.concurrency);
    const runOnce = async (): Promise<TickReport> => {
        const now = clock.now();
        const report: Report = { fired: 0, replayed: 0, missed: 0 };
        const policies = await store.schedulePolicies();
        const start = policies.length === 0 ? 0 : deps.startAt() % policies.length;
        const ordered = [...policies.slice(start), ...policies.slice(0, start)];
        for (let i = 0; i < ordered.length; i += CHUNK) {
            const steps = ordered.slice(i, i + CHUNK).map((policy) => ({ policy, step: scheduleStep(policy.args, policy.from, now, deps.graceMs, deps.cronTimes) }));
            const decided = await decidedOf(steps);
            await Promise.all(steps.map(({ policy, step }) => slots(() =>
                runPolicy(policy, step, decided, now, report).catch((err: unknown) => {
                    log(['schedule', 'error'], `policy ${policy.policyId}: ${String(errorData(err))}`);
                }))));
        }

        return report;
    };

    return {
        runOnce,
        start: () => {
            if (deps.intervalMs > 0 && ticker === null) {
                ticker = every(deps.scheduler, deps.intervalMs, runOnce, (err) => log(['schedule', 'error'], errorData(err)));
            }
        },
        stop: async () => {
            await ticker?.stop();
            ticker = null;
        }
    };
};
