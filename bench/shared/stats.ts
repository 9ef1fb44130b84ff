// Figures from a run, and the best of several.
import type { LoadResult } from './load';

export interface RunFigures {
    readonly rps: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly requests: number;
    readonly failures: number;
    readonly cpuUsPerRequest: number;          // the server process's CPU (user + system) per answered request
}

// Nearest-rank percentile of a sorted sample.
export const percentile = (sorted: Float64Array, p: number): number => {
    if (sorted.length === 0) {
        return Number.NaN;
    }

    const rank = Math.ceil((p / 100) * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
};

// The median of an unsorted sample (nearest rank).
export const median = (xs: readonly number[]): number => percentile(Float64Array.from(xs).sort(), 50);

export const figuresOf = (result: LoadResult, serverCpuMicros: number): RunFigures => {
    const sorted = Float64Array.from(result.latenciesMs).sort();
    return {
        rps: result.requests / result.elapsedS,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        requests: result.requests,
        failures: result.failures,
        cpuUsPerRequest: serverCpuMicros / Math.max(1, result.requests)
    };
};

// The round with the highest throughput, its latencies with it: the least disturbed run.
export const best = (runs: readonly RunFigures[]): RunFigures => {
    const [first, ...rest] = runs;
    if (!first) {
        throw new Error('no runs to pick from');
    }

    return rest.reduce((a, b) => (b.rps > a.rps ? b : a), first);
};
