// Cron due times (adapters/schedule/cron-times.ts) with node-cron's matcher:
// a range open at its start and closed at its end, the policy's time zone
// (its summer time too), and a gap too long to look at whole.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { cronTimes, MAX_MINUTES } from '../adapters/schedule/cron-times';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const z = (iso: string): Date => new Date(iso);

describe('cron due times', () => {

    it('lists the due minutes after one time and up to another, that one included', () => {
        expect(cronTimes('*/15 * * * *', null, z('2030-01-01T00:00:00Z'), z('2030-01-01T00:45:00Z'))).to.equal({
            times: [z('2030-01-01T00:15:00Z'), z('2030-01-01T00:30:00Z'), z('2030-01-01T00:45:00Z')], scannedFrom: z('2030-01-01T00:00:00Z')
        });
        expect(cronTimes('*/15 * * * *', null, z('2030-01-01T00:15:00Z'), z('2030-01-01T00:29:59Z')).times).to.equal([]);
    });

    it('reads a cron without a time zone in UTC, whatever the host\'s zone', () => {
        const zone = process.env.TZ;
        process.env.TZ = 'America/New_York';
        try {
            expect(cronTimes('0 2 * * *', null, z('2031-03-01T00:00:00Z'), z('2031-03-01T23:59:00Z')).times).to.equal([z('2031-03-01T02:00:00Z')]);
        }
        finally {
            process.env.TZ = zone;
            if (zone === undefined) {
                delete process.env.TZ;
            }
        }
    });

    it('reads the cron in its time zone, summer time included', () => {
        expect(cronTimes('0 9 * * *', 'Asia/Tokyo', z('2030-01-01T12:00:00Z'), z('2030-01-02T12:00:00Z')).times).to.equal([z('2030-01-02T00:00:00Z')]);
        expect(cronTimes('0 9 * * *', 'Europe/Paris', z('2030-01-01T12:00:00Z'), z('2030-01-02T12:00:00Z')).times).to.equal([z('2030-01-02T08:00:00Z')]);
        expect(cronTimes('0 9 * * *', 'Europe/Paris', z('2030-07-01T12:00:00Z'), z('2030-07-02T12:00:00Z')).times).to.equal([z('2030-07-02T07:00:00Z')]);
        expect(cronTimes('0 9 * * *', null, z('2030-07-01T12:00:00Z'), z('2030-07-02T12:00:00Z')).times).to.equal([z('2030-07-02T09:00:00Z')]);
    });

    it('looks at the last day only of a longer gap, and says where it started', () => {
        const until = z('2030-02-01T00:00:00Z');
        const { times, scannedFrom } = cronTimes('* * * * *', null, z('2030-01-01T00:00:00Z'), until);
        expect(times.length).to.equal(MAX_MINUTES);
        expect(times[times.length - 1]).to.equal(until);
        expect(scannedFrom).to.equal(new Date(until.getTime() - MAX_MINUTES * 60_000));
    });

    it('keeps answering right past a thousand distinct expressions (its matchers are made again, not kept without end)', () => {
        for (let n = 0; n < 1100; n++) {
            const [minute, hour] = [n % 60, Math.floor(n / 60)];
            const due = new Date(Date.UTC(2030, 0, 1, hour, minute));
            expect(cronTimes(`${minute} ${hour} * * *`, null, new Date(due.getTime() - 60_000), due).times).to.equal([due]);
        }
    });
});
