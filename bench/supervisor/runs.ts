// Runs for the supervisor bench: a fixed number of calls in flight for a fixed
// time, either in process (a function) or over loopback HTTP (bench/shared/load.ts),
// warm-up first, then rounds alternating which side goes first, best kept.
import { performance } from 'node:perf_hooks';
import type { Pool } from 'undici';
import { runLoad, type LoadResult, type RequestSpec } from '../shared/load';
import type { BenchSettings } from '../shared/settings';
import { best, figuresOf, type RunFigures } from '../shared/stats';
import type { SupervisorHost } from './hosts';

export interface Runner {
    run(seconds: number): Promise<RunFigures>;
}

export interface Sides {
    readonly plugin: { readonly best: RunFigures; readonly runs: readonly RunFigures[] };
    readonly floor: { readonly best: RunFigures; readonly runs: readonly RunFigures[] };
    readonly firstFailure: string | null;
}

// `call(i)` is the i-th call; failures are counted, never thrown.
const runCalls = async (call: (i: number) => Promise<unknown>, concurrency: number, seconds: number): Promise<LoadResult> => {
    const latencies: number[] = [];
    let failures = 0;
    let firstFailure: string | null = null;
    let issued = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const loop = async (): Promise<void> => {
        while (performance.now() < deadline) {
            const t0 = performance.now();
            try {
                await call(issued++);
                latencies.push(performance.now() - t0);
            }
            catch (err) {
                failures++;
                firstFailure ??= String(err instanceof Error ? err.message : err);
            }
        }
    };

    await Promise.all(Array.from({ length: concurrency }, loop));
    return { requests: latencies.length, failures, firstFailure, elapsedS: (performance.now() - started) / 1000, latenciesMs: Float64Array.from(latencies) };
};

let lastFailure: string | null = null;
const noting = (result: LoadResult): LoadResult => {
    lastFailure ??= result.firstFailure;
    return result;
};

// In process: CPU is this process's own (user + system).
export const callRunner = (call: (i: number) => Promise<unknown>, concurrency: number): Runner => ({
    run: async (seconds) => {
        const before = process.cpuUsage();
        const result = noting(await runCalls(call, concurrency, seconds));
        const cpu = process.cpuUsage(before);
        return figuresOf(result, cpu.user + cpu.system);
    }
});

// Over HTTP: an empty POST to each of the host's paths in turn; CPU is the host process's.
export const httpRunner = (host: SupervisorHost, pool: Pool, concurrency: number): Runner => {
    const specs = host.paths.map((path): RequestSpec => ({ method: 'POST', path, headers: {} }));
    return {
        run: async (seconds) => {
            const before = (await host.usage()).cpuMicros;
            const result = noting(await runLoad(pool, (i) => specs[i % specs.length] as RequestSpec, { concurrency, seconds, expectStatus: 202 }));
            return figuresOf(result, (await host.usage()).cpuMicros - before);
        }
    };
};

export const bestOf = async (plugin: Runner, floor: Runner, settings: BenchSettings): Promise<Sides> => {
    lastFailure = null;
    await floor.run(settings.warmupSeconds);
    await plugin.run(settings.warmupSeconds);
    const runs = { plugin: [] as RunFigures[], floor: [] as RunFigures[] };
    for (let round = 0; round < settings.rounds; round++) {
        for (const side of round % 2 === 0 ? ['floor', 'plugin'] as const : ['plugin', 'floor'] as const) {
            runs[side].push(await (side === 'plugin' ? plugin : floor).run(settings.seconds));
        }
    }

    return {
        plugin: { best: best(runs.plugin), runs: runs.plugin },
        floor: { best: best(runs.floor), runs: runs.floor },
        firstFailure: lastFailure
    };
};
