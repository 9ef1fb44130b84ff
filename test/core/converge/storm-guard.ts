// The storm guard: many of a region's groups wanting to scale up at once pace creations.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DEFAULT_STORM_GUARD, pacedShare, stormGuard, type StormGuardOptions } from '../../../core/converge/storm-guard';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const options: StormGuardOptions = { shareThreshold: 0.5, minWanting: 2, regionCreatesPerS: 10 };

// [wanting up, total groups, paced, per-group creates/s when paced]
type Row = readonly [number, number, boolean, number | null];

const rows: Row[] = [
    [0, 0, false, null],        // an empty region
    [0, 10, false, null],
    [5, 10, false, null],       // exactly the threshold: not more than it
    [6, 10, true, 10 / 6],
    [10, 10, true, 1],
    [1, 1, false, null],        // one group in a one-group region is not a storm
    [2, 2, true, 5],
    [2, 3, true, 5],
    [1, 2, false, null],
    [1000, 1000, true, 0.01],
    [501, 1000, true, 10 / 501],
    [500, 1000, false, null]
];

describe('stormGuard', () => {
    for (const [wanting, total, paced, rate] of rows) {
        it(`${wanting} of ${total} wanting → ${paced ? `paced at ${rate}/s per group` : 'not paced'}`, () => {
            const verdict = stormGuard(wanting, total, options);
            expect(verdict.paced).to.equal(paced);
            expect(verdict.share).to.equal(total === 0 ? 0 : wanting / total);
            expect(verdict.paced ? verdict.perGroupCreatesPerS : null).to.equal(rate);
            if (verdict.paced) {
                // The paced groups together never exceed the region's budget.
                expect(verdict.perGroupCreatesPerS * wanting).to.be.about(options.regionCreatesPerS, 1e-9);
                expect(verdict.message).to.contain(`${wanting} of ${total} groups`);
            }
        });
    }

    it('a threshold of 0 paces any two groups wanting; 1 never paces', () => {
        expect(stormGuard(2, 100, { ...options, shareThreshold: 0 }).paced).to.be.true();
        expect(stormGuard(100, 100, { ...options, shareThreshold: 1 }).paced).to.be.false();
    });

    it('minWanting 1 makes a lone group in a lone-group region a storm', () => {
        expect(stormGuard(1, 1, { ...options, minWanting: 1 }).paced).to.be.true();
    });

    it('the message says how many, the share and the rate', () => {
        const verdict = stormGuard(3, 4, DEFAULT_STORM_GUARD);
        expect(verdict.paced && verdict.message).to.equal('storm guard: 3 of 4 groups (75 %) in the region want to scale up; creations paced to 3.333/s per group');
    });

    it('refuses impossible counts and options', () => {
        expect(() => stormGuard(3, 2, options)).to.throw(RangeError, /wantingUp/);
        expect(() => stormGuard(-1, 2, options)).to.throw(RangeError, /wantingUp/);
        expect(() => stormGuard(1.5, 2, options)).to.throw(RangeError, /wantingUp/);
        expect(() => stormGuard(1, 2.5, options)).to.throw(RangeError, /wantingUp/);
        expect(() => stormGuard(1, 2, { ...options, shareThreshold: -0.1 })).to.throw(RangeError, /shareThreshold/);
        expect(() => stormGuard(1, 2, { ...options, shareThreshold: 1.5 })).to.throw(RangeError, /shareThreshold/);
        expect(() => stormGuard(1, 2, { ...options, regionCreatesPerS: 0 })).to.throw(RangeError, /regionCreatesPerS/);
    });
});

describe('pacedShare', () => {
    const now = 1_000_000;

    // [name, creates/s per group, wanted, last slot, allowed, next slot]
    const cases: [string, number, number, number | null, number, number][] = [
        ['one create every 10 s: one a run, the next slot 10 s on', 0.1, 10, null, 1, now + 10_000],
        ['a run 2 s late keeps its schedule: the next slot 8 s on', 0.1, 10, now - 2_000, 1, now + 8_000],
        ['a schedule older than a window starts again from now', 0.1, 10, now - 5_000, 1, now + 10_000],
        ['a slot ahead of now (a clock stepped back) starts again from now', 0.1, 10, now + 1_000, 1, now + 10_000],
        ['2/s: the next 5 s worth at once', 2, 50, null, 10, now + 5_000],
        ['fewer wanted than slots: what is wanted, the next slot after them', 2, 3, null, 3, now + 1_500],
        ['a run 4.9 s late at 2/s catches up on its slots', 2, 50, now - 4_900, 20, now + 5_100],
        ['nothing wanted: nothing, the next slot one period on', 2, 0, null, 0, now + 500]
    ];
    for (const [name, rate, wanted, last, allowed, nextAt] of cases) {
        it(name, () => {
            expect(pacedShare(rate, wanted, last, now, 5_000)).to.equal({ allowed, nextAt });
        });
    }

    it('keeps the region at its rate however late the runs: 100 runs of one group, each up to a second late', () => {
        const rate = 0.5;                          // a slot every 2 s
        let t = 0;
        let last: number | null = null;
        let created = 0;
        for (let run = 0; run < 100; run++) {
            const share = pacedShare(rate, 1_000, last, t, 5_000);
            created += share.allowed;
            last = share.nextAt;
            t = share.nextAt + (run % 7) * 150;   // comes back late, by up to 0.9 s
        }

        // No drift: the slots handed out are the schedule's, late runs or not.
        expect(created).to.equal(Math.ceil(((last ?? 0) - 0) * rate / 1000));
    });
});
