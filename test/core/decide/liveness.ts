// When an instance counts as gone, and how often it says it is not.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { defaultHeartbeatMs, seenSince } from '../../../core/decide/liveness';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('liveness', () => {
    const now = new Date('2030-01-01T00:00:30Z');

    it('counts as live what was seen within the lease TTL of now', () => {
        expect(seenSince(now, 30)).to.equal(new Date('2030-01-01T00:00:00Z'));
        expect(seenSince(now, 1)).to.equal(new Date('2030-01-01T00:00:29Z'));
    });

    const rows: [number, number][] = [[30, 10_000], [1, 333], [3, 1000], [2, 667], [86_400, 28_800_000]];
    for (const [ttlS, ms] of rows) {
        it(`beats every ${ms} ms by default for a ${ttlS} s TTL: a third of it`, () => {
            expect(defaultHeartbeatMs(ttlS)).to.equal(ms);
            expect(ms).to.be.below(ttlS * 1000);
        });
    }
});
