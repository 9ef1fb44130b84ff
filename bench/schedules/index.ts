// Schedule firing (contract §8, §9), three plugin instances over one database
// on the real clock: lateness at load, 1,000 policies due in one minute,
// against a floor (minute.ts).
import type { BenchSettings } from '../shared/settings';
import { INSTANCES, TICK_MS } from './cluster';
import { MINUTE_POLICIES, minuteRow } from './minute';

export const schedulesBench = async (settings: BenchSettings): Promise<string[]> => {
    const lines = [`schedule firing lateness: ${MINUTE_POLICIES} cron policies (* * * * *) on ${INSTANCES} instances over one database, real clock, ` +
        `one due minute; floor: a tick (${TICK_MS} ms) + one bare INSERT of the same ${MINUTE_POLICIES} activity rows`];
    for (const kind of settings.backends) {
        const row = await minuteRow(kind, settings.postgresAdminUrl);
        if (row !== null) {
            lines.push(row);
        }
    }

    return lines;
};
