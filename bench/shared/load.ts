// The load client: an undici Pool over loopback HTTP, a fixed number of
// requests in flight, for a fixed time; every latency kept.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface RequestSpec {
    readonly method: 'GET' | 'POST';
    readonly path: string;
    readonly headers: Record<string, string>;
    readonly body?: string;
}

export interface LoadOptions {
    readonly concurrency: number;
    readonly seconds: number;
    readonly expectStatus: number;
}

export interface LoadResult {
    readonly requests: number;                 // answered with expectStatus
    readonly failures: number;                 // any other answer, or a transport error
    readonly firstFailure: string | null;
    readonly elapsedS: number;
    readonly latenciesMs: Float64Array;        // of the good answers, in completion order
}

export const openPool = (origin: string, concurrency: number): Pool =>
    new Pool(origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });

// `spec(i)` gives the i-th request; each of `concurrency` loops sends its next one when its last is answered.
export const runLoad = async (pool: Pool, spec: (i: number) => RequestSpec, options: LoadOptions): Promise<LoadResult> => {
    let latencies = new Float64Array(1 << 16);
    let good = 0;
    let failures = 0;
    let firstFailure: string | null = null;
    let issued = 0;
    const started = performance.now();
    const deadline = started + options.seconds * 1000;

    const record = (ms: number): void => {
        if (good === latencies.length) {
            const grown = new Float64Array(latencies.length * 2);
            grown.set(latencies);
            latencies = grown;
        }

        latencies[good++] = ms;
    };

    const loop = async (): Promise<void> => {
        while (performance.now() < deadline) {
            const request = spec(issued++);
            const t0 = performance.now();
            try {
                const answer = await pool.request({ method: request.method, path: request.path, headers: request.headers, body: request.body ?? null });
                const text = await answer.body.text();
                if (answer.statusCode === options.expectStatus) {
                    record(performance.now() - t0);
                }
                else {
                    failures++;
                    firstFailure ??= `${request.method} ${request.path} → ${answer.statusCode} ${text.slice(0, 300)}`;
                }
            }
            catch (err) {
                failures++;
                firstFailure ??= `${request.method} ${request.path} → ${String(err)}`;
            }
        }
    };

    await Promise.all(Array.from({ length: options.concurrency }, loop));
    return { requests: good, failures, firstFailure, elapsedS: (performance.now() - started) / 1000, latenciesMs: latencies.subarray(0, good) };
};

// One request, its JSON answer (for seeding the groups a get run reads).
export const requestJson = async (pool: Pool, request: RequestSpec, expectStatus: number): Promise<unknown> => {
    const answer = await pool.request({ method: request.method, path: request.path, headers: request.headers, body: request.body ?? null });
    const text = await answer.body.text();
    if (answer.statusCode !== expectStatus) {
        throw new Error(`${request.method} ${request.path} → ${answer.statusCode} ${text.slice(0, 300)}`);
    }

    return JSON.parse(text) as unknown;
};
