// What the engine counts for the operator (contract §10), told as it
// happens: the plugin keeps the counts in a Prometheus registry
// (adapters/metrics/prometheus.ts); without one, nothing is kept.
import type { ConvergeOutcome } from '../converge/run';
import type { WorkflowEvent, WorkflowResult } from '../model/workflow';
import type { TriggerRequest, TriggerResult } from '../model/trigger';

export type ScheduleFiring = 'fired' | 'replayed' | 'missed';

export interface EngineMetrics {
    // A trigger decided here (a replay of one decided before is not counted again).
    decision(source: TriggerRequest['source'], outcome: TriggerResult['outcome'], reason: TriggerResult['reason']): void;
    // A converger run's outcome ('error' for one that threw).
    convergeRun(result: ConvergeOutcome | 'error'): void;
    // A webhook delivery ended, written: its event and what it said.
    delivery(event: WorkflowEvent, result: WorkflowResult): void;
    // A schedule's due times: fired here, replayed (decided by another instance), or missed.
    scheduleFiring(result: ScheduleFiring, count?: number): void;
}

export const noMetrics: EngineMetrics = {
    decision: () => undefined,
    convergeRun: () => undefined,
    delivery: () => undefined,
    scheduleFiring: () => undefined
};
