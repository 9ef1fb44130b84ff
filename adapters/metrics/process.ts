// The process's own series (CPU, memory, event loop, GC), collected once per
// process however many plugin instances it holds: each collector watches
// the process, and a second would only count it twice.
import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | null = null;

export const processRegistry = (): Registry => {
    if (shared === null) {
        shared = new Registry();
        collectDefaultMetrics({ register: shared });
    }

    return shared;
};
