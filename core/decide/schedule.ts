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
    // Worth writing: something ran or was skipped, or a minute began since
    // (a cron is due only at a minute's start), so the handled time moves at
    // most once a minute for a policy with nothing due, not on every tick.
    readonly advance: boolean;
}

const MINUTE = 60_000;

export const scheduleStep = (args: ScheduleArgs, from: Date, now: Date, graceMs: number, cronTimes: CronTimes): ScheduleStep => {
    const { times, scannedFrom } = 'at' in args ? { times: atTimes(args.at, from, now), scannedFrom: from } :
        cronTimes(args.cron, args.timezone ?? null, from, now);
    const late = (t: Date): boolean => now.getTime() - t.getTime() >= graceMs;
    const uncounted = scannedFrom.getTime() > from.getTime();
    return {
        fire: times.filter((t) => !late(t)),
        missed: times.filter(late),
        uncounted,
        through: now,
        advance: times.length > 0 || uncounted || Math.floor(now.getTime() / MINUTE) > Math.floor(from.getTime() / MINUTE)
    };
};

const atTimes = (at: string, from: Date, now: Date): Date[] => {
    const time = Date.parse(at);
    return time > from.getTime() && time <= now.getTime() ? [new Date(time)] : [];
};

// The event id of a firing: the same due time is the same trigger, whichever instance sends it.
export const firingEventId = (policyId: string, due: Date): string => `schedule:${policyId}:${due.toISOString()}`;
