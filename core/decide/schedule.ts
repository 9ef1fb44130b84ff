// When a schedule policy runs (contract §8): each due time once, however
// late the loop is, if it is less than the grace old; older ones are skipped
// and counted. Time is an argument, so the loop's clock decides nothing.
import type { ScheduleArgs } from '../model/policy';
import type { CronTimes } from '../ports/schedules';

export interface ScheduleStep {
    readonly fire: readonly Date[];       // oldest first
    readonly missed: readonly Date[];     // older than the grace: skipped
    readonly uncounted: boolean;          // a gap too long to look at whole: more were skipped
    readonly through: Date;               // handled through here after this step
}

export const scheduleStep = (args: ScheduleArgs, from: Date, now: Date, graceMs: number, cronTimes: CronTimes): ScheduleStep => {
    const { times, scannedFrom } = 'at' in args ? { times: atTimes(args.at, from, now), scannedFrom: from } :
        cronTimes(args.cron, args.timezone ?? null, from, now);
    const late = (t: Date): boolean => now.getTime() - t.getTime() >= graceMs;
    return {
        fire: times.filter((t) => !late(t)),
        missed: times.filter(late),
        uncounted: scannedFrom.getTime() > from.getTime(),
        through: now
    };
};

const atTimes = (at: string, from: Date, now: Date): Date[] => {
    const time = Date.parse(at);
    return time > from.getTime() && time <= now.getTime() ? [new Date(time)] : [];
};

// The event id of a firing: the same due time is the same trigger, whichever instance sends it.
export const firingEventId = (policyId: string, due: Date): string => `schedule:${policyId}:${due.toISOString()}`;
