// The creation budget: a token bucket for creates/s and a cap on creates in flight.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { admitCreate, checkBudgetLimits, type CreateBudgetLimits, type CreateBudgetState, finishCreate, freshBudget, refill } from '../../adapters/nova/budget';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const limits: CreateBudgetLimits = { createsPerS: 2, burst: 3, maxInFlight: 4, maxWaitMs: 0 };

interface Case {
    readonly name: string;
    readonly state: CreateBudgetState;
    readonly nowMs: number;
    readonly expect: { readonly admitted: true; readonly tokens: number; readonly inFlight: number }
        | { readonly admitted: false; readonly why: 'rate' | 'in_flight'; readonly waitMs: number };
}

const cases: Case[] = [
    { name: 'a full bucket admits and takes one token', state: { tokens: 3, atMs: 0, inFlight: 0 }, nowMs: 0, expect: { admitted: true, tokens: 2, inFlight: 1 } },
    { name: 'one token left admits', state: { tokens: 1, atMs: 0, inFlight: 2 }, nowMs: 0, expect: { admitted: true, tokens: 0, inFlight: 3 } },
    { name: 'empty: wait a whole interval (500 ms at 2/s)', state: { tokens: 0, atMs: 0, inFlight: 0 }, nowMs: 0, expect: { admitted: false, why: 'rate', waitMs: 500 } },
    { name: 'empty, 200 ms later: 300 ms to go', state: { tokens: 0, atMs: 0, inFlight: 0 }, nowMs: 200, expect: { admitted: false, why: 'rate', waitMs: 300 } },
    { name: 'empty, 500 ms later: refilled one, admitted', state: { tokens: 0, atMs: 0, inFlight: 0 }, nowMs: 500, expect: { admitted: true, tokens: 0, inFlight: 1 } },
    { name: 'refill stops at burst after a long quiet spell', state: { tokens: 0, atMs: 0, inFlight: 0 }, nowMs: 3_600_000, expect: { admitted: true, tokens: 2, inFlight: 1 } },
    { name: 'in flight at the cap refuses even with tokens', state: { tokens: 3, atMs: 0, inFlight: 4 }, nowMs: 0, expect: { admitted: false, why: 'in_flight', waitMs: 500 } },
    { name: 'in flight beats rate when both are spent', state: { tokens: 0, atMs: 0, inFlight: 4 }, nowMs: 0, expect: { admitted: false, why: 'in_flight', waitMs: 500 } },
    { name: 'a clock that steps back refills nothing', state: { tokens: 0.5, atMs: 1_000, inFlight: 0 }, nowMs: 0, expect: { admitted: false, why: 'rate', waitMs: 250 } }
];

describe('admitCreate', () => {
    for (const c of cases) {
        it(c.name, () => {
            const out = admitCreate(c.state, limits, c.nowMs);
            if (c.expect.admitted) {
                expect(out.admitted).to.be.true();
                expect(out.state.tokens).to.equal(c.expect.tokens);
                expect(out.state.inFlight).to.equal(c.expect.inFlight);
            }
            else {
                expect(out).to.part.include({ admitted: false, why: c.expect.why, waitMs: c.expect.waitMs });
                expect(out.state.inFlight).to.equal(c.state.inFlight);
            }
        });
    }

    it('over 10 s of callers every 10 ms, admits burst + rate × 10 s and no more', () => {
        let state = freshBudget(limits, 0);
        let admitted = 0;
        for (let t = 0; t <= 10_000; t += 10) {
            const out = admitCreate(state, limits, t);
            state = out.admitted ? finishCreate(out.state) : out.state;
            admitted += out.admitted ? 1 : 0;
        }

        expect(admitted).to.equal(3 + 2 * 10);
    });

    it('ten refills of a tenth make a whole token despite rounding', () => {
        let state: CreateBudgetState = { tokens: 0, atMs: 0, inFlight: 0 };
        for (let t = 50; t <= 500; t += 50) {
            state = refill(state, limits, t);
        }

        expect(state.tokens).to.not.equal(1);                 // 0.1 added ten times is not exactly 1 ...
        expect(admitCreate(state, limits, 500).admitted).to.be.true();   // ... yet it admits
    });

    it('finishCreate frees one slot and never goes below zero', () => {
        expect(finishCreate({ tokens: 0, atMs: 0, inFlight: 2 }).inFlight).to.equal(1);
        expect(finishCreate({ tokens: 0, atMs: 0, inFlight: 0 }).inFlight).to.equal(0);
    });

    it('refill moves the time forward only', () => {
        expect(refill({ tokens: 1, atMs: 1_000, inFlight: 0 }, limits, 500)).to.equal({ tokens: 1, atMs: 1_000, inFlight: 0 });
        expect(refill({ tokens: 1, atMs: 1_000, inFlight: 0 }, limits, 1_250)).to.equal({ tokens: 1.5, atMs: 1_250, inFlight: 0 });
    });

    it('refuses limits that would never admit or never refill', () => {
        expect(() => checkBudgetLimits({ ...limits, createsPerS: 0 })).to.throw(RangeError, /createsPerS/);
        expect(() => checkBudgetLimits({ ...limits, createsPerS: Number.POSITIVE_INFINITY })).to.throw(RangeError, /createsPerS/);
        expect(() => checkBudgetLimits({ ...limits, burst: 0 })).to.throw(RangeError, /burst/);
        expect(() => checkBudgetLimits({ ...limits, maxInFlight: 1.5 })).to.throw(RangeError, /maxInFlight/);
        expect(() => checkBudgetLimits({ ...limits, maxWaitMs: -1 })).to.throw(RangeError, /maxWaitMs/);
        expect(checkBudgetLimits(limits)).to.equal(limits);
    });
});
