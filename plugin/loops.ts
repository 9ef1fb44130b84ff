// The supervisor's background loops: circle back on alerts still CRITICAL
// (contract §6) and keep the activity log bounded. Started in onPreStart,
// stopped in onPostStop. Every bit of state is in the database (the attempt
// count, the next attempt's time), so the timers only say "look again": a
// restart, or another plugin instance, carries on where this one stopped.
import type { Server } from '@hapi/hapi';
import type { Alerts } from './alerts';
import { floorMs } from './alerts';
import { storeOf, type Runtime } from './runtime';

export interface LoopReport {
    readonly attempts: number;          // attempts claimed and fired this round
}

export interface SupervisorLoops {
    // One round of the circle-back, as the timer runs it; tests pass a moved clock's now.
    runOnce(now?: Date): Promise<LoopReport>;
    pruneOnce(): Promise<number>;
    start(): void;
    stop(): Promise<void>;
}

const batch = 100;

export interface Ticker {
    stop(): Promise<void>;
}

// setTimeout after each round ends, so that rounds never overlap; unref'd so a
// host that forgets to stop the server can still exit.
export const every = (ms: number, task: () => Promise<unknown>, onError: (err: unknown) => void): Ticker => {
    let stopped = false;
    let running: Promise<void> | null = null;
    let timer: NodeJS.Timeout | null = null;
    const schedule = () => {
        timer = stopped ? null : setTimeout(tick, ms).unref();
    };

    const tick = () => {
        running = task().then(() => undefined, onError).finally(() => {
            running = null;
            schedule();
        });
    };

    schedule();
    return {
        stop: async () => {
            stopped = true;
            if (timer) {
                clearTimeout(timer);
            }

            await running;
        }
    };
};

export const supervisorLoops = (runtime: Runtime, server: Server, alerts: Alerts): SupervisorLoops => {
    const { settings } = runtime;
    let tickers: Ticker[] = [];

    const runOnce = async (now: Date = settings.clock.now()): Promise<LoopReport> => {
        let attempts = 0;
        const claims = await storeOf(runtime).claimAlertAttempts({ now, cap: settings.alerts.circleBackCap, floorMs: floorMs(runtime), limit: batch });
        for (const claim of claims) {
            // The attempt is already counted: fired once, even if it fails.
            await alerts.fire(claim, null);
            attempts++;
        }

        return { attempts };
    };

    const pruneOnce = () => storeOf(runtime).pruneActivity(settings.supervisor.activityPerGroup);

    const onError = (err: unknown) => server.log(['nova-autoscale', 'loop', 'error'], err instanceof Error ? err : String(err));

    return {
        runOnce,
        pruneOnce,
        start: () => {
            if (settings.alerts.intervalMs > 0) {
                tickers.push(every(settings.alerts.intervalMs, () => runOnce(), onError));
            }

            if (settings.alerts.pruneIntervalMs > 0) {
                tickers.push(every(settings.alerts.pruneIntervalMs, pruneOnce, onError));
            }
        },
        stop: async () => {
            const stopping = tickers;
            tickers = [];
            await Promise.all(stopping.map((t) => t.stop()));
        }
    };
};
