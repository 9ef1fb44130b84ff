// A task run again `ms` after each round ends, so that rounds never overlap;
// stop() waits for the round under way.
import type { Scheduler, Timer } from '../ports/scheduler';

export interface Ticker {
    stop(): Promise<void>;
}

export const every = (scheduler: Scheduler, ms: number, task: () => Promise<unknown>, onError: (err: unknown) => void): Ticker => {
    let stopped = false;
    let running: Promise<void> | null = null;
    let timer: Timer | null = null;
    const schedule = (): void => {
        timer = stopped ? null : scheduler.after(ms, tick);
    };

    const tick = (): void => {
        running = task().then(() => undefined, onError).finally(() => {
            running = null;
            schedule();
        });
    };

    schedule();
    return {
        stop: async () => {
            stopped = true;
            timer?.cancel();
            await running;
        }
    };
};
