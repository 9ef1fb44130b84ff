// The supervisor's background loops: circle back on alerts still CRITICAL
// (contract §6) and keep the activity log bounded. Every bit of state is in
// the database (the attempt count, the next attempt's time), so the timers
// only say "look again": a restart, or another plugin instance, carries on
// where this one stopped.
import type { Clock } from '../ports/clock';
import type { GroupsStore } from '../ports/groups';
import type { Scheduler } from '../ports/scheduler';
import type { SupervisionStore } from '../ports/supervision';
import type { AlertIntake } from './alert-intake';
import { errorData, type Log } from './log';
import { every, type Ticker } from './ticker';

export interface LoopReport {
    readonly attempts: number;          // attempts claimed and fired this round
}

export interface SupervisorLoops {
    // One round of the circle-back, as the timer runs it; tests pass a moved clock's now.
    runOnce(now?: Date): Promise<LoopReport>;
    // Rows pruned: activity past each group's newest activityPerGroup, and alert event ids past their retention.
    pruneOnce(): Promise<number>;
    start(): void;
    stop(): Promise<void>;
}

export interface SupervisorLoopsDeps {
    readonly supervision: SupervisionStore;
    readonly groups: GroupsStore;
    readonly alerts: AlertIntake;
    readonly clock: Clock;
    readonly scheduler: Scheduler;
    readonly log: Log;
    readonly circleBackCap: number;
    readonly floorMs: number;
    readonly intervalMs: number;         // 0: never (the host calls runOnce)
    readonly pruneIntervalMs: number;    // 0: never
    readonly activityPerGroup: number;
    readonly eventRetentionS: number;    // how long a taken alert event id answers as a replay
}

const BATCH = 100;

export const supervisorLoops = (deps: SupervisorLoopsDeps): SupervisorLoops => {
    let tickers: Ticker[] = [];

    const runOnce = async (now: Date = deps.clock.now()): Promise<LoopReport> => {
        let attempts = 0;
        const claims = await deps.supervision.claimAlertAttempts({ now, cap: deps.circleBackCap, floorMs: deps.floorMs, limit: BATCH });
        for (const claim of claims) {
            // The attempt is already counted: fired once, even if it fails.
            await deps.alerts.fire(claim, null);
            attempts++;
        }

        return { attempts };
    };

    const pruneOnce = async (): Promise<number> => {
        const activity = await deps.groups.pruneActivity(deps.activityPerGroup);
        const events = await deps.supervision.pruneAlertEvents(new Date(deps.clock.now().getTime() - deps.eventRetentionS * 1000));
        return activity + events;
    };
    const onError = (err: unknown) => deps.log(['supervisor', 'circle-back', 'error'], errorData(err));

    return {
        runOnce,
        pruneOnce,
        start: () => {
            if (deps.intervalMs > 0) {
                tickers.push(every(deps.scheduler, deps.intervalMs, () => runOnce(), onError));
            }

            if (deps.pruneIntervalMs > 0) {
                tickers.push(every(deps.scheduler, deps.pruneIntervalMs, pruneOnce, onError));
            }
        },
        stop: async () => {
            const stopping = tickers;
            tickers = [];
            await Promise.all(stopping.map((t) => t.stop()));
        }
    };
};
