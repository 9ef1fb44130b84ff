// Cron due times with node-cron's own matcher (the same parser that checked
// the expression when the policy was written), in the policy's time zone or
// UTC (never the host's: node-cron's default is the process's zone). A
// cron's smallest step is a minute, so the minutes in the range are looked at
// one by one, newest last (about 13 µs each); a gap longer than MAX_MINUTES
// (every instance down for over a day) is looked at over its last day only,
// and the loop says the count stopped short.
import { createTask, type ScheduledTask } from 'node-cron';
import type { CronTimes } from '../../core/ports/schedules';

export const MAX_MINUTES = 24 * 60;

const MINUTE = 60_000;

// Tasks made once per expression and zone, never started: only their matcher is used.
const tasks = new Map<string, ScheduledTask>();
const taskOf = (cron: string, timezone: string | null): ScheduledTask => {
    const key = `${timezone ?? ''} ${cron}`;
    let task = tasks.get(key);
    if (task === undefined) {
        if (tasks.size >= 1000) {
            tasks.forEach((t) => void t.destroy());
            tasks.clear();
        }

        task = createTask(cron, () => undefined, { timezone: timezone ?? 'UTC' });
        tasks.set(key, task);
    }

    return task;
};

export const cronTimes: CronTimes = (cron, timezone, after, until) => {
    const task = taskOf(cron, timezone);
    const first = Math.floor(after.getTime() / MINUTE) * MINUTE + MINUTE;
    const scannedFrom = Math.max(first, (Math.floor(until.getTime() / MINUTE) - MAX_MINUTES + 1) * MINUTE);
    const times: Date[] = [];
    for (let minute = scannedFrom; minute <= until.getTime(); minute += MINUTE) {
        const at = new Date(minute);
        if (task.match(at)) {
            times.push(at);
        }
    }

    return { times, scannedFrom: new Date(Math.max(after.getTime(), scannedFrom - MINUTE)) };
};
