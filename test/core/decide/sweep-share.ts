// Each live instance's share of the sweep (core/decide/sweep-share.ts).
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { sweepShare, WHOLE } from '../../../core/decide/sweep-share';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('a sweep share', () => {

    it('is the instance\'s place among the live ones, by id, whatever order they are listed in', () => {
        expect(sweepShare(['c', 'a', 'b'], 'b')).to.equal({ index: 1, of: 3 });
        expect(sweepShare(['b', 'c', 'a', 'a'], 'c')).to.equal({ index: 2, of: 3 });
        expect(sweepShare(['a'], 'a')).to.equal({ index: 0, of: 1 });
    });

    it('is every group for an instance not among the live ones', () => {
        expect(sweepShare(['a', 'b'], 'z')).to.equal(WHOLE);
        expect(sweepShare([], 'z')).to.equal(WHOLE);
    });
});
