// Backoff for a group whose builds keep failing: exponential, capped, jittered.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { backoffFor } from '../../../core/converge/backoff';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

// [failures, base, cap, jitter, expected]
type Row = readonly [number, number, number, number | undefined, number];

const rows: Row[] = [
    [0, 1_000, 60_000, undefined, 0],
    [0, 1_000, 60_000, 0.9, 0],
    [1, 1_000, 60_000, undefined, 1_000],
    [2, 1_000, 60_000, undefined, 2_000],
    [3, 1_000, 60_000, undefined, 4_000],
    [6, 1_000, 60_000, undefined, 32_000],
    [7, 1_000, 60_000, undefined, 60_000],      // 64 s, capped
    [50, 1_000, 60_000, undefined, 60_000],
    [2_000, 1_000, 60_000, undefined, 60_000],  // 2 ** 1999 is Infinity: still the cap
    [3, 1_000, 3_000, undefined, 3_000],
    [1, 5_000, 3_000, undefined, 3_000],        // a cap below base wins
    [3, 0, 60_000, undefined, 0],
    [3, 1_000, 60_000, 0, 2_000],               // equal jitter: [d/2, d)
    [3, 1_000, 60_000, 0.5, 3_000],
    [3, 1_000, 60_000, 0.999, 3_998],
    [7, 1_000, 60_000, 0, 30_000]               // jitter applies after the cap
];

describe('backoffFor', () => {
    for (const [failures, base, cap, jitter, expected] of rows) {
        it(`${failures} failures, base ${base}, cap ${cap}, jitter ${jitter ?? 'none'} → ${expected}`, () => {
            expect(backoffFor(failures, base, cap, jitter)).to.equal(expected);
        });
    }

    it('never shrinks as failures grow, for any fixed jitter', () => {
        for (const jitter of [undefined, 0, 0.3, 0.99]) {
            let last = -1;
            for (let n = 0; n < 40; n++) {
                const d = backoffFor(n, 250, 120_000, jitter);
                expect(d).to.be.at.least(last);
                last = d;
            }
        }
    });

    it('refuses nonsense', () => {
        expect(() => backoffFor(-1, 1_000, 60_000)).to.throw(RangeError, /consecutiveFailures/);
        expect(() => backoffFor(1.5, 1_000, 60_000)).to.throw(RangeError, /consecutiveFailures/);
        expect(() => backoffFor(1, -1, 60_000)).to.throw(RangeError, /base and cap/);
        expect(() => backoffFor(1, 1_000, -1)).to.throw(RangeError, /base and cap/);
        expect(() => backoffFor(1, 1_000, Number.NaN)).to.throw(RangeError, /base and cap/);
        expect(() => backoffFor(1, Number.POSITIVE_INFINITY, 60_000)).to.throw(RangeError, /base and cap/);
        expect(() => backoffFor(1, 1_000, 60_000, 1)).to.throw(RangeError, /jitter/);
        expect(() => backoffFor(1, 1_000, 60_000, -0.1)).to.throw(RangeError, /jitter/);
    });
});
