// The Scheduler port over Node's timers, unref'd so that a host that forgets
// to stop the server can still exit.
import type { Scheduler } from '../../core/ports/scheduler';

export const timerScheduler: Scheduler = {
    after: (ms, fn) => {
        const timer = setTimeout(fn, ms).unref();
        return { cancel: () => clearTimeout(timer) };
    },
    turn: () => new Promise((resolve) => setImmediate(resolve))
};
