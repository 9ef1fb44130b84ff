// A read that may be a second old (core/engine/cached.ts): one load per ttl,
// shared; a failed load forgotten; a clock set back asks again.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { cachedFor } from '../../../core/engine/cached';
import { manualClock } from './fakes';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('cachedFor', () => {

    it('loads once per ttl and shares the answer, asks again when the ttl has passed or the clock went back', async () => {
        const clock = manualClock();
        let loads = 0;
        const read = cachedFor(clock, 1000, () => Promise.resolve(++loads));
        expect([await read(), await read()]).to.equal([1, 1]);
        clock.advance(999);
        expect(await read()).to.equal(1);
        clock.advance(1);
        expect(await read()).to.equal(2);
        clock.advance(-5000);
        expect(await read()).to.equal(3);
    });

    it('forgets a failed load, so the next caller asks again', async () => {
        const clock = manualClock();
        const answers = [Promise.reject(new Error('down')), Promise.resolve('up')];
        const read = cachedFor(clock, 1000, () => answers.shift() ?? Promise.resolve('more'));
        await expect(read()).to.reject(Error, 'down');
        expect(await read()).to.equal('up');
        expect(await read()).to.equal('up');
    });

    it('keeps a newer load when an older one fails late', async () => {
        const clock = manualClock();
        let failOld: (err: Error) => void = () => undefined;
        const old = new Promise<string>((_resolve, reject) => {
            failOld = reject;
        });
        const answers = [old, Promise.resolve('new')];
        const read = cachedFor(clock, 1000, () => answers.shift() ?? Promise.resolve('more'));
        const first = read();
        clock.advance(1000);
        expect(await read()).to.equal('new');
        failOld(new Error('late'));
        await expect(first).to.reject(Error, 'late');
        expect(await read()).to.equal('new');
    });
});
