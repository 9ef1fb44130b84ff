// When a schedule policy runs (core/decide/schedule.ts): each due time once,
// on time or late within the grace; older ones skipped and counted.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { firingEventId, scheduleStep } from '../../../core/decide/schedule';
import type { CronTimes } from '../../../core/ports/schedules';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const t = (iso: string): Date => new Date(`2030-01-01T${iso}Z`);
// Due each minute; a look never longer than `span` minutes back.
const minutes = (span = 1_000_000): CronTimes => (_cron, _zone, after, until) => {
    const times: Date[] = [];
    const start = Math.max(Math.floor(after.getTime() / 60_000) + 1, Math.floor(until.getTime() / 60_000) - span + 1);
    for (let m = start; m * 60_000 <= until.getTime(); m++) {
        times.push(new Date(m * 60_000));
    }

    return { times, scannedFrom: new Date(Math.max(after.getTime(), (start - 1) * 60_000)) };
};

describe('a schedule step', () => {

    it('fires a cron\'s due times since it was last handled, each once, and is handled through now', () => {
        expect(scheduleStep({ cron: '* * * * *' }, t('00:00:30'), t('00:02:10'), 300_000, minutes())).to.equal({
            fire: [t('00:01:00'), t('00:02:00')], missed: [], uncounted: false, through: t('00:02:10'), advance: true
        });
        expect(scheduleStep({ cron: '* * * * *' }, t('00:02:10'), t('00:02:50'), 300_000, minutes()).fire).to.equal([]);
    });

    it('is worth writing down when something ran or a minute began, not on every tick', () => {
        const daily = (from: string, now: string) => scheduleStep({ cron: '0 2 * * *' }, t(from), t(now), 300_000, () => ({ times: [], scannedFrom: t(from) })).advance;
        expect(daily('00:02:10', '00:02:50')).to.be.false();
        expect(daily('00:02:10', '00:03:00')).to.be.true();
    });

    it('skips the times older than the grace, and says when a gap was too long to count whole', () => {
        const step = scheduleStep({ cron: '* * * * *' }, t('00:00:00'), t('00:10:00'), 300_000, minutes());
        expect([step.fire.length, step.missed.length, step.uncounted]).to.equal([5, 5, false]);
        expect([step.missed[4], step.fire[0]]).to.equal([t('00:05:00'), t('00:06:00')]);
        expect(scheduleStep({ cron: '* * * * *' }, t('00:00:00'), t('00:10:00'), 0, minutes(3))).to.include({ fire: [], uncounted: true });
    });

    it('fires an `at` once when its time comes, late within the grace, and never before or after', () => {
        const at = { at: '2030-01-01T00:05:00Z' };
        expect(scheduleStep(at, t('00:00:00'), t('00:04:59'), 300_000, minutes()).fire).to.equal([]);
        expect(scheduleStep(at, t('00:00:00'), t('00:07:00'), 300_000, minutes()).fire).to.equal([t('00:05:00')]);
        expect(scheduleStep(at, t('00:00:00'), t('00:11:00'), 300_000, minutes())).to.include({ fire: [], missed: [t('00:05:00')] });
        expect(scheduleStep(at, t('00:05:00'), t('00:07:00'), 300_000, minutes()).fire).to.equal([]);
    });

    it('asks for a cron\'s times in its own time zone, UTC when it names none', () => {
        const zones: (string | null)[] = [];
        const spy: CronTimes = (cron, zone, after, until) => {
            zones.push(zone);
            return minutes()(cron, zone, after, until);
        };
        scheduleStep({ cron: '0 9 * * *', timezone: 'Europe/Paris' }, t('00:00:00'), t('00:01:00'), 0, spy);
        scheduleStep({ cron: '0 9 * * *' }, t('00:00:00'), t('00:01:00'), 0, spy);
        expect(zones).to.equal(['Europe/Paris', null]);
    });

    it('names a firing by its policy and due time', () => {
        expect(firingEventId('p1', t('00:05:00'))).to.equal('schedule:p1:2030-01-01T00:05:00.000Z');
    });
});
