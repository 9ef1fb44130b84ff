// Schedule firing (contract §8, §9), three plugin instances over one database
// on the real clock: lateness at load, 1,000 policies due in one minute,
// against a floor (minute.ts); and several minutes of a few policies, each due
// time fired exactly once and within 2 s (minutes.ts).
import type { BenchSettings } from '../shared/settings';
import { INSTANCES, TICK_MS } from './cluster';
import { MINUTE_POLICIES, minuteRow } from './minute';
import { minutesRow, WITHIN_MS } from './minutes';
import { schedulesSettings } from './settings';

const timed = async (name: string, run: () => Promise<(string | null)[]>): Promise<string[]> => {
    const started = Date.now();
    const rows = (await run()).filter((r): r is string => r !== null);
    return [...rows, `  (${name}: ${((Date.now() - started) / 1000).toFixed(0)}s with setup)`];
};

export const schedulesBench = async (settings: BenchSettings): Promise<string[]> => {
    const ss = schedulesSettings();
    const lines: string[] = [];
    if (ss.parts.includes('minute')) {
        lines.push(`schedule firing lateness: ${MINUTE_POLICIES} cron policies (* * * * *) on ${INSTANCES} instances over one database, real clock, ` +
            `one due minute; floor: a tick (${TICK_MS} ms) + one bare INSERT of the same ${MINUTE_POLICIES} activity rows`);
        lines.push(...await timed('minute', async () => {
            const rows: (string | null)[] = [];
            for (const kind of settings.backends) {
                rows.push(await minuteRow(kind, settings.postgresAdminUrl));
            }

            return rows;
        }));
    }

    if (ss.parts.includes('minutes')) {
        lines.push(`schedules on the real clock: ${ss.policies} cron policies (* * * * *) on ${INSTANCES} instances over one PostgreSQL database for ${ss.minutes} due minutes ` +
            `(issue 11: 50 for 3 minutes, exactly 150 firings, none twice, each within ${WITHIN_MS / 1000} s of its minute); other = schedule rows of any other due time, or a missed-time row`);
        lines.push(...await timed('minutes', async () => [await minutesRow(settings.postgresAdminUrl, ss.policies, ss.minutes)]));
    }

    return lines;
};
