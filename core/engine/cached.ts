// A read that may be a second old: one load per `ttlMs`, shared by every
// caller in between; a load that fails is forgotten, so the next caller asks
// again. The clock is the engine's (a clock set back also asks again).
import type { Clock } from '../ports/clock';

export const cachedFor = <T>(clock: Clock, ttlMs: number, load: () => Promise<T>): (() => Promise<T>) => {
    let held: { at: number; value: Promise<T> } | null = null;
    return () => {
        const now = clock.now().getTime();
        if (held === null || now - held.at >= ttlMs || now < held.at) {
            const value = load();
            const entry = { at: now, value };
            held = entry;
            value.catch(() => {
                if (held === entry) {
                    held = null;
                }
            });
        }

        return held.value;
    };
};
