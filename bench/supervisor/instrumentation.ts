// What instrumentation costs the decision loop (contract §10): the same
// in-process alertTransition decisions on the same groups through two plugins
// on one database, one with its metrics and the demo host's logger (hapi-pino
// writing JSON lines to a file), the other with metrics off and no logger
// listening. Many short rounds alternate which goes first; target: the median
// of the round pairs' on/off at least 0.95.
// BENCH_INSTRUMENTATION_ROUNDS=15  BENCH_INSTRUMENTATION_SECONDS=2
// BENCH_INSTRUMENTATION_AA=1: both plugins off, to see what the machine's own
// noise makes of two equal sides.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type Hapi from '@hapi/hapi';
import { migrateLatest, openDatabase } from '../../adapters/store/database';
import { demoLogger } from '../../examples/demo-logger';
import type { BenchDatabase } from '../shared/databases';
import { number, type BenchSettings } from '../shared/settings';
import { median } from '../shared/stats';
import { bestOf, callRunner, type Sides } from './runs';
import { seedGroups, supervisorPlugin } from './seed';
import { transitions } from './transitions';

export const INSTRUMENTATION_TARGET = 0.95;

const ROUNDS = Math.round(number('BENCH_INSTRUMENTATION_ROUNDS', 15));
const SECONDS = number('BENCH_INSTRUMENTATION_SECONDS', 2);
export const SAME_SIDES = process.env.BENCH_INSTRUMENTATION_AA === '1';

// The loops of both plugins held, so that only the decisions asked for run:
// an alert left CRITICAL would otherwise circle back, in either plugin, in
// the middle of the other's round.
const QUIET = { alerts: { intervalMs: 0, pruneIntervalMs: 0 }, schedules: { intervalMs: 0 }, workflowRunner: { intervalMs: 0 }, webhooks: { intervalMs: 0 } } as const;

export interface InstrumentationFigures {
    readonly sides: Sides;                 // plugin: on, floor: off
    readonly logLines: number;             // lines the logger wrote
}

export const instrumentationRun = async (database: BenchDatabase, settings: BenchSettings, groups: number): Promise<InstrumentationFigures> => {
    const db = openDatabase(database.host.kind === 'postgres' ? database.host.url : { embedded: {} });
    if (database.host.kind === 'pglite') {
        await migrateLatest(db.knex);
    }

    const dir = mkdtempSync(join(tmpdir(), 'bench-log-'));
    const file = join(dir, 'log.jsonl');
    const destination = pino.destination(file);
    const servers: Hapi.Server[] = [];
    try {
        const on = await supervisorPlugin(db.knex, false, SAME_SIDES ?
            { options: { ...QUIET, metrics: { enabled: false } } } :
            { options: QUIET, before: (server) => server.register(demoLogger({ destination })) });
        servers.push(on);
        const off = await supervisorPlugin(db.knex, false, { options: { ...QUIET, metrics: { enabled: false } } });
        servers.push(off);
        // One set of groups for both: the same rows, so that only the instrumentation differs.
        const seeded = await seedGroups(off, groups);
        const decide = { on: transitions(on, seeded), off: transitions(off, seeded) };
        const sides = await bestOf(callRunner(decide.on, settings.concurrency), callRunner(decide.off, settings.concurrency), { ...settings, rounds: ROUNDS, seconds: SECONDS });
        destination.flushSync();
        const logLines = readFileSync(file, 'utf8').split('\n').filter((line) => line.includes('"decision"')).length;
        return { sides, logLines };
    }
    finally {
        await Promise.all(servers.map((s) => s.stop()));
        await db.close();
        destination.end();
        rmSync(dir, { recursive: true, force: true });
    }
};

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');

// Per backend: the ratio of each round pair (run back to back, so under the
// same load from whatever else the machine runs), their median against the
// target, the best rounds' ratio as the other benches give it, and this
// process's CPU per decision each way (PostgreSQL's own processes not counted).
export const instrumentationLines = (backend: string, figures: InstrumentationFigures): string[] => {
    const { plugin: on, floor: off } = figures.sides;
    const best = on.best.rps / off.best.rps;
    const ratios = on.runs.map((run, i) => run.rps / (off.runs[i]?.rps ?? Number.NaN));
    const paired = median(ratios);
    const cpu = (side: typeof on) => median(side.runs.map((run) => run.cpuUsPerRequest));
    const rounds = (side: typeof on) => side.runs.map((run) => fixed(run.rps, 0)).join(' / ');
    const failed = on.runs.reduce((n, run) => n + run.failures, 0) + off.runs.reduce((n, run) => n + run.failures, 0);
    return [
        `  ${backend}: on/off ${fixed(paired, 3)}${paired >= INSTRUMENTATION_TARGET ? '' : ` !! <${INSTRUMENTATION_TARGET}`} (median of the rounds' ratios; target >= ${INSTRUMENTATION_TARGET}); ` +
        `best rounds on ${fixed(on.best.rps, 0)} / off ${fixed(off.best.rps, 0)} dec/s = ${fixed(best, 3)}; ` +
        `p99 on ${fixed(on.best.p99Ms, 2)}ms / off ${fixed(off.best.p99Ms, 2)}ms; CPU per decision on ${fixed(cpu(on), 0)}us / off ${fixed(cpu(off), 0)}us; ${figures.logLines} decision lines logged`,
        `    rounds on ${rounds(on)}; off ${rounds(off)}; ratios ${ratios.map((r) => fixed(r, 3)).join(' / ')}`,
        ...(failed > 0 ? [`  !! ${backend}: ${failed} failed calls; first: ${figures.sides.firstFailure ?? '?'}`] : [])
    ];
};
