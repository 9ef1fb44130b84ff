// When the capability URL may answer. A real capability's work and an unknown
// one's decoy run the same statements, but only the real one writes rows, and
// writing them takes longer (measured on PGlite: ~0.5 ms of ~4 ms). So
// neither answers before a floor: the 99th percentile of how long the real
// work of that kind of body took lately. Both then answer at the floor (or,
// past it, when their work ends), and the median of either is the floor's.
import { performance } from 'node:perf_hooks';
import type { Scheduler } from '../../core/ports/scheduler';
import type { CapabilityBody } from './alertmanager';

type Kind = CapabilityBody['kind'];

// The last this many real runs of a kind set its floor; the first run sets none.
const WINDOW = 128;
const QUANTILE = 0.99;
// However slow the real work got, nobody is made to wait longer than this for nothing.
export const FLOOR_CAP_MS = 250;

export interface AnswerFloor {
    // How long a real capability's work for this kind of body took.
    record(kind: Kind, ms: number): void;
    floorMs(kind: Kind): number;
    // Resolves once `floorMs(kind)` has passed since `startedAt` (performance.now()).
    wait(kind: Kind, startedAt: number): Promise<void>;
}

const quantileOf = (samples: readonly number[]): number => {
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * QUANTILE))] ?? 0;
};

export const answerFloor = (scheduler: Scheduler): AnswerFloor => {
    const samples = new Map<Kind, number[]>();
    const floors = new Map<Kind, number>();
    const floorMs = (kind: Kind): number => floors.get(kind) ?? 0;
    return {
        record: (kind, ms) => {
            const recent = samples.get(kind) ?? [];
            recent.push(ms);
            if (recent.length > WINDOW) {
                recent.shift();
            }

            samples.set(kind, recent);
            floors.set(kind, Math.min(FLOOR_CAP_MS, quantileOf(recent)));
        },
        floorMs,
        wait: (kind, startedAt) => {
            const left = startedAt + floorMs(kind) - performance.now();
            return left > 0 ? new Promise((resolve) => { scheduler.after(left, resolve); }) : Promise.resolve();
        }
    };
};
