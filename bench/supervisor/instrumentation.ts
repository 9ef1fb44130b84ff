// What instrumentation costs the decision loop (contract §10): the same
// in-process alertTransition decisions against two plugins on one database,
// one with its metrics and the demo host's logger (hapi-pino writing JSON
// lines to a file), the other with metrics off and no logger listening.
// Rounds alternate which goes first; target: on/off at least 0.95.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type Hapi from '@hapi/hapi';
import { migrateLatest, openDatabase } from '../../adapters/store/database';
import { demoLogger } from '../../examples/demo-logger';
import type { BenchDatabase } from '../shared/databases';
import type { BenchSettings } from '../shared/settings';
import { median } from '../shared/stats';
import { bestOf, callRunner, type Sides } from './runs';
import { seedGroups, supervisorPlugin } from './seed';
import { transitions } from './transitions';

export const INSTRUMENTATION_TARGET = 0.95;

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
        const on = await supervisorPlugin(db.knex, false, { before: (server) => server.register(demoLogger({ destination })) });
        servers.push(on);
        const off = await supervisorPlugin(db.knex, false, { options: { metrics: { enabled: false } } });
        servers.push(off);
        const decide = {
            on: transitions(on, await seedGroups(on, groups)),
            off: transitions(off, await seedGroups(off, groups))
        };
        const sides = await bestOf(callRunner(decide.on, settings.concurrency), callRunner(decide.off, settings.concurrency), settings);
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

// One line per backend: the best rounds' ratio, and the median of each round pair's.
export const instrumentationLines = (backend: string, figures: InstrumentationFigures): string[] => {
    const { plugin: on, floor: off } = figures.sides;
    const ratio = on.best.rps / off.best.rps;
    const pairs = median(on.runs.map((run, i) => run.rps / (off.runs[i]?.rps ?? Number.NaN)));
    const rounds = (side: typeof on) => side.runs.map((run) => fixed(run.rps, 0)).join(' / ');
    const failed = on.runs.reduce((n, run) => n + run.failures, 0) + off.runs.reduce((n, run) => n + run.failures, 0);
    return [
        `  ${backend}: on ${fixed(on.best.rps, 0)} dec/s (p99 ${fixed(on.best.p99Ms, 2)}ms), off ${fixed(off.best.rps, 0)} dec/s (p99 ${fixed(off.best.p99Ms, 2)}ms): ` +
        `on/off ${fixed(ratio, 3)}${ratio >= INSTRUMENTATION_TARGET ? '' : ` !! <${INSTRUMENTATION_TARGET}`} (target >= ${INSTRUMENTATION_TARGET}), ` +
        `median of the rounds' ratios ${fixed(pairs, 3)}; ${figures.logLines} decision lines logged`,
        `    rounds on ${rounds(on)}, off ${rounds(off)}`,
        ...(failed > 0 ? [`  !! ${backend}: ${failed} failed calls; first: ${figures.sides.firstFailure ?? '?'}`] : [])
    ];
};
