// Schedule policies (contract §8) as the schedule loop reads them, and the
// cron arithmetic it needs: the store says which policies there are and how
// far each has been handled; the cron adapter says when a cron is due.
import type { GroupId, PolicyId, TenantId } from '../model/ids';
import type { ScheduleArgs } from '../model/policy';

export interface SchedulePolicy {
    readonly policyId: PolicyId;
    readonly groupId: GroupId;
    readonly tenantId: TenantId;
    readonly args: ScheduleArgs;
    readonly from: Date;                  // due times up to here are handled (or were before the policy was written)
}

export interface ScheduleMissed {
    readonly policy: SchedulePolicy;
    readonly count: number;               // times skipped
    readonly atLeast: boolean;            // the count stopped short: more were skipped
    readonly last: Date;                  // the newest of them
}

export interface ScheduleStore {
    // Every schedule policy that may still come due (an `at` past its time is done).
    schedulePolicies(): Promise<readonly SchedulePolicy[]>;
    // Handled through `to`: moves forward only, and only if the policy still starts from `from` (a rewrite restarts it).
    advanceSchedule(policyId: PolicyId, from: Date, to: Date): Promise<void>;
    // Which of these firings (a group and the firing's event id) are decided
    // already, by any instance: those are not tried again.
    decided(firings: readonly { readonly groupId: GroupId; readonly eventId: string }[]): Promise<ReadonlySet<string>>;
    // The one activity row `schedule_missed` of a run of skipped times; once
    // however many instances write it (it is keyed on the policy and `from`).
    recordMissed(missed: ScheduleMissed, now: Date): Promise<void>;
}

// A cron's due times in (after, until], oldest first, in its time zone (UTC
// when none). `complete` is false when the look stopped short (a long gap):
// times before `scannedFrom` were not looked at.
export interface CronTimes {
    (cron: string, timezone: string | null, after: Date, until: Date): { readonly times: readonly Date[]; readonly scannedFrom: Date };
}
