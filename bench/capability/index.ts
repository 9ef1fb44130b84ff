// The capability URL's timing (it must not tell a real capability from an
// unknown one): the plugin in its own process, one client sending 1,000 POSTs
// one after another, alternating a real capability and a made-up one, each
// median against the other's measured in the same run. A real one's trigger is
// accepted every time (cooldown 0, debounce 0, max at the ceiling): the
// dearest path a plain POST takes. Then the same with Alertmanager bodies,
// whose real work (an episode and its trigger) an unknown one does not do.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { databaseFor, type BenchDatabase } from '../shared/databases';
import type { BenchSettings } from '../shared/settings';
import { percentile } from '../shared/stats';
import { startSupervisorHost } from '../supervisor/hosts';

// The acceptance: the two medians differ by less than this.
export const MAX_MEDIAN_GAP = 0.1;
const REQUESTS = Number(process.env.BENCH_CAPABILITY_REQUESTS ?? 1000);
const WARMUP = 100;

export interface Alternated {
    readonly known: Float64Array;
    readonly unknown: Float64Array;
    readonly failures: number;
}

// `count` POSTs, even ones to `known`, odd ones to `unknown`, each timed from
// send to the end of its answer; the i-th with body(i) (none by default).
export const alternate = async (pool: Pool, known: string, unknown: string, count: number, body: (i: number) => string | null = () => null): Promise<Alternated> => {
    const times = { known: [] as number[], unknown: [] as number[] };
    let failures = 0;
    for (let i = 0; i < count; i++) {
        const side = i % 2 === 0 ? 'known' : 'unknown';
        const payload = body(i);
        const t0 = performance.now();
        const answer = await pool.request({
            method: 'POST', path: side === 'known' ? known : unknown, body: payload, headers: payload === null ? {} : { 'content-type': 'application/json' }
        });
        await answer.body.dump();
        times[side].push(performance.now() - t0);
        failures += answer.statusCode === 202 ? 0 : 1;
    }

    return { known: Float64Array.from(times.known), unknown: Float64Array.from(times.unknown), failures };
};

export interface Medians {
    readonly known: number;
    readonly unknown: number;
    readonly gap: number;                  // |known - unknown| / unknown
}

export const mediansOf = (run: Alternated): Medians => {
    const known = percentile(Float64Array.from(run.known).sort(), 50);
    const unknown = percentile(Float64Array.from(run.unknown).sort(), 50);
    return { known, unknown, gap: Math.abs(known - unknown) / unknown };
};

export const madeUpCapability = (): string => `/autoscale/v1.0/execute/1/${randomBytes(32).toString('hex')}/`;

// An Alertmanager notification of a group of its own each time: every real one starts an episode and runs the policy.
const firing = (i: number): string => JSON.stringify({
    version: '4', status: 'firing', receiver: 'autoscale', groupKey: `{}:{bench="${i}"}`,
    alerts: [{ status: 'firing', labels: { alertname: 'HighLoad' }, startsAt: '2030-01-01T00:00:00Z' }]
});

const BODIES: readonly { readonly label: string; readonly body: (i: number) => string | null }[] = [
    { label: 'empty POST', body: () => null },
    { label: 'Alertmanager firing', body: firing }
];

const line = (label: string, run: Alternated): string => {
    const m = mediansOf(run);
    const p90 = (xs: Float64Array) => percentile(Float64Array.from(xs).sort(), 90).toFixed(2);
    return `${label.padEnd(20)} ${m.known.toFixed(2)}ms known, ${m.unknown.toFixed(2)}ms unknown: known/unknown ${(m.known / m.unknown).toFixed(3)}, ` +
        `gap ${(m.gap * 100).toFixed(1)} %${m.gap < MAX_MEDIAN_GAP ? '' : ` >= ${MAX_MEDIAN_GAP * 100} %`}; ` +
        `p90 ${p90(run.known)}ms | ${p90(run.unknown)}ms${run.failures > 0 ? `; !! ${run.failures} answers not 202` : ''}`;
};

const measure = async (database: BenchDatabase): Promise<string[]> => {
    const host = await startSupervisorHost({ role: 'plugin', database: database.host, groups: 1 });
    const pool = new Pool(host.origin, { connections: 1, pipelining: 1 });
    try {
        const [known] = host.paths;
        if (!known) {
            throw new Error('the host seeded no capability');
        }

        const unknown = madeUpCapability();
        const lines: string[] = [];
        for (const { label, body } of BODIES) {
            // Warm-up, on the real capability too: the answer floor learns that body's real work first.
            await alternate(pool, known, unknown, WARMUP, (i) => body(-1 - i));
            lines.push(line(label, await alternate(pool, known, unknown, REQUESTS, body)));
        }

        return lines;
    }
    finally {
        await pool.close();
        await host.stop();
    }
};

export const capabilityBench = async (settings: BenchSettings): Promise<string[]> => {
    const lines = [
        `capability URL timing: ${REQUESTS} POSTs one at a time over loopback, alternating a real capability (its trigger accepted each time) ` +
        `and an unknown one, after ${WARMUP} of warm-up; medians of each (target: they differ by less than ${MAX_MEDIAN_GAP * 100} %)`
    ];
    for (const kind of settings.backends) {
        const database = await databaseFor(kind, settings.postgresAdminUrl, 'capability bench');
        if (!database) {
            continue;
        }

        try {
            lines.push(...(await measure(database)).map((l) => `  ${kind.padEnd(8)} ${l}`));
        }
        finally {
            await database.drop();
        }
    }

    return lines;
};
