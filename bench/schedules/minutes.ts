// Schedules on the real clock for several minutes (contract §8 and §9, issue
// 11): P cron policies (`* * * * *`) on three instances over one PostgreSQL
// database for M due minutes must fire exactly P x M times, each due time
// once, each within 2 s of its minute. Counted from the activity rows of
// source schedule: those of the M due times, any other (a due time outside
// them, a missed-time row), and each firing's lateness (its row's time).
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseFor } from '../shared/databases';
import { MINUTE, nextMinute, percentile, seed, startCluster, untilMinuteAhead } from './cluster';

export const WITHIN_MS = 2000;

// How long after the last due minute a firing is still waited for: a later one is late anyway.
const SETTLE_MS = 10_000;

const mark = (ok: boolean): string => (ok ? '' : ' !!');

export const minutesRow = async (adminUrl: string, policies: number, minutes: number): Promise<string | null> => {
    const database = await databaseFor('postgres', adminUrl, 'schedules bench (real clock)');
    if (!database) {
        return null;
    }

    const cluster = await startCluster(database);
    try {
        // A few policies are written in well under the 5 s left.
        await untilMinuteAhead(5_000);
        const { knex } = cluster;
        const groups = await seed(knex, policies);
        const first = nextMinute();
        const dues = Array.from({ length: minutes }, (_x, i) => new Date(first.getTime() + i * MINUTE).toISOString());
        await sleep(first.getTime() + (minutes - 1) * MINUTE + SETTLE_MS - Date.now());
        // Read 10 s after the last due minute: the next is 50 s away.
        const rows: { event_id: string | null; at: Date }[] = await knex('activity').whereIn('group_id', groups).andWhere('source', 'schedule').select('event_id', 'at');
        const dueOf = (eventId: string | null): string | undefined => dues.find((d) => eventId?.endsWith(`:${d}`));
        const fired = rows.filter((r) => dueOf(r.event_id) !== undefined);
        const distinct = new Set(fired.map((r) => r.event_id)).size;
        const late = fired.map((r) => new Date(r.at).getTime() - Date.parse(dueOf(r.event_id) ?? '')).sort((a, b) => a - b);
        const [p50, p99, max] = [percentile(late, 0.5), percentile(late, 0.99), late[late.length - 1] ?? NaN];
        const want = policies * minutes;
        return `  ${'postgres'.padEnd(8)} ${minutes} min x ${policies} policies: fired ${fired.length}${mark(fired.length === want)} of ${want}, ` +
            `${fired.length - distinct} duplicate${mark(fired.length === distinct)}, ${rows.length - fired.length} other${mark(rows.length === fired.length)}; ` +
            `lateness p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms${mark(p99 <= WITHIN_MS)}, latest ${max.toFixed(0)} ms${mark(max <= WITHIN_MS)}; ` +
            `target: exactly ${want}, none twice, none other, each within ${WITHIN_MS} ms`;
    }
    finally {
        await cluster.stop();
        await database.drop();
    }
};
