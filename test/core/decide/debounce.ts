// A trigger within the debounce window after its policy's last decision
// joins it; a forced trigger never does (contract §4).
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { coalesces } from '../../../core/decide/debounce';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const now = new Date('2030-01-01T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

describe('coalesces', () => {

    it('joins a decision less than the window ago, not one at or past it', () => {
        expect(coalesces(ago(0), now, 2000, false)).to.be.true();
        expect(coalesces(ago(1999), now, 2000, false)).to.be.true();
        expect(coalesces(ago(2000), now, 2000, false)).to.be.false();
        expect(coalesces(ago(60_000), now, 2000, false)).to.be.false();
    });

    it('never joins with no decision yet, a zero window, or when forced', () => {
        expect(coalesces(null, now, 2000, false)).to.be.false();
        expect(coalesces(ago(0), now, 0, false)).to.be.false();
        expect(coalesces(ago(1), now, 2000, true)).to.be.false();
    });
});
