// Schedule firing lateness at load (contract §8, §9): 1,000 cron policies on
// three instances over one database, one due minute: how long after it each
// firing's decision was written (the activity row's time), p50, p99 and the
// latest, and that each fired exactly once. Floor, same run: the least a
// firing can take, a tick (each instance looks once a second) plus one bare
// INSERT of the same 1,000 activity rows.
import type { Knex } from 'knex';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseFor } from '../shared/databases';
import type { BackendKind } from '../shared/settings';
import { nextMinute, percentile, seed, startCluster, TICK_MS, untilMinuteAhead } from './cluster';

export const MINUTE_POLICIES = 1000;

// One bare INSERT of rows shaped like the firings' activity rows (rolled back).
const floorInsertMs = async (knex: Knex, groupId: string, count: number): Promise<number> => {
    const rows = Array.from({ length: count }, (_x, i) => ({
        group_id: groupId, at: new Date(), source: 'schedule', kind: 'execute', outcome: 'refused', reason: 'no_change', message: 'floor',
        desired_before: 1, desired_after: 1, who: 'schedule', policy_id: null, event_id: `floor:${i}`, decision_id: null
    }));
    const trx = await knex.transaction();
    const started = performance.now();
    await trx('activity').insert(rows);
    const ms = performance.now() - started;
    await trx.rollback();
    return ms;
};

// One row of the table, or null when the backend cannot be had.
export const minuteRow = async (kind: BackendKind, adminUrl: string): Promise<string | null> => {
    const database = await databaseFor(kind, adminUrl, 'schedules bench');
    if (!database) {
        return null;
    }

    const cluster = await startCluster(database);
    try {
        // 20 s: the 1,000 groups are written before the minute they first fire in.
        await untilMinuteAhead(20_000);
        const { knex } = cluster;
        const groups = await seed(knex, MINUTE_POLICIES);
        const due = nextMinute();
        await sleep(due.getTime() - Date.now());
        const fired = (): Promise<{ event_id: string; at: Date }[]> => knex('activity').whereIn('group_id', groups).andWhere('source', 'schedule')
            .andWhere('event_id', 'like', `%:${due.toISOString()}`).select('event_id', 'at');
        // Until every policy fired, or 30 s: a firing later than that counts as missing.
        let rows = await fired();
        while (rows.length < MINUTE_POLICIES && Date.now() - due.getTime() < 30_000) {
            await sleep(500);
            rows = await fired();
        }

        const distinct = new Set(rows.map((r) => r.event_id)).size;
        const late = rows.map((r) => new Date(r.at).getTime() - due.getTime()).sort((a, b) => a - b);
        const floor = TICK_MS + await floorInsertMs(knex, groups[0] ?? '', MINUTE_POLICIES);
        const [p50, p99, max] = [percentile(late, 0.5), percentile(late, 0.99), late[late.length - 1] ?? NaN];
        return `  ${kind.padEnd(8)} fired ${rows.length} (${distinct} distinct) of ${MINUTE_POLICIES}; lateness p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, ` +
            `latest ${max.toFixed(0)} ms; floor ${floor.toFixed(0)} ms: p99 ${(p99 / floor).toFixed(2)}x the floor`;
    }
    finally {
        await cluster.stop();
        await database.drop();
    }
};
