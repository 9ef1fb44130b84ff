// What the engine counts for the operator (contract §10), told as it
// happens: the plugin keeps the counts in a Prometheus registry
// (adapters/metrics/prometheus.ts); without one, nothing is kept.
export interface EngineMetrics {
    // A trigger decided here (a replay of one decided before is not counted again).
    decision(source: string, outcome: string, reason: string): void;
    // A converger run's outcome ('error' for one that threw).
    convergeRun(result: string): void;
    // A webhook delivery ended, written: its event and what it said.
    delivery(event: string, result: string): void;
    // A schedule's due time: 'fired' here, 'replayed' (decided by another instance), or 'missed'.
    scheduleFiring(result: string, count?: number): void;
}

export const noMetrics: EngineMetrics = {
    decision: () => undefined,
    convergeRun: () => undefined,
    delivery: () => undefined,
    scheduleFiring: () => undefined
};
