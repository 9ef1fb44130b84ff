// The schedule benches' knobs; the issue's sizes in ():
// BENCH_SCHEDULES_PARTS=minute,minutes
// minute: 1,000 cron policies, one due minute, on each of BENCH_BACKENDS, against a floor;
// minutes: BENCH_SCHEDULES_POLICIES=50 (50) cron policies for BENCH_SCHEDULES_MINUTES=3 (3) due minutes, on PostgreSQL.
import { list, number } from '../shared/settings';

export type SchedulesPart = 'minute' | 'minutes';

export interface SchedulesSettings {
    readonly parts: readonly SchedulesPart[];
    readonly policies: number;
    readonly minutes: number;
}

export const schedulesSettings = (): SchedulesSettings => ({
    parts: list<SchedulesPart>('BENCH_SCHEDULES_PARTS', ['minute', 'minutes']),
    policies: Math.round(number('BENCH_SCHEDULES_POLICIES', 50)),
    minutes: Math.round(number('BENCH_SCHEDULES_MINUTES', 3))
});
