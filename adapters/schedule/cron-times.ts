// Cron due times with node-cron's own matcher (the same parser that checked
// the expression when the policy was written), in the policy's time zone.
// A cron's smallest step is a minute, so the minutes in the range are
// looked at one by one, newest last; a gap longer than MAX_MINUTES (an
// instance down for days) is looked at over its last MAX_MINUTES only.
import { createTask, type ScheduledTask } from 'node-cron';
import type { CronTimes } from '../../core/ports/schedules';

export const MAX_MINUTES = 7 * 24 * 60;

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

        task = createTask(cron, () => undefined, timezone === null ? {} : { timezone });
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
