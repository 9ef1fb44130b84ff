// The converger's limiter of runs at once: never more than its size, every
// task run in turn, and a failing task gives its slot back.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { setImmediate as tick } from 'node:timers/promises';
import { limiter } from '../../../core/engine/limiter';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('limiter', () => {

    it('runs at most its size at once, the others in the order they came', async () => {
        const limit = limiter(2);
        let running = 0;
        let most = 0;
        const started: number[] = [];
        const task = (i: number) => limit(async () => {
            started.push(i);
            running++;
            most = Math.max(most, running);
            await tick();
            await tick();
            running--;
            return i * 10;
        });

        expect(await Promise.all([0, 1, 2, 3, 4].map(task))).to.equal([0, 10, 20, 30, 40]);
        expect(most).to.equal(2);
        expect(started).to.equal([0, 1, 2, 3, 4]);
    });

    it('gives the slot back when a task fails', async () => {
        const limit = limiter(1);
        await expect(limit(() => Promise.reject(new Error('boom')))).to.reject('boom');
        expect(await limit(() => Promise.resolve('next'))).to.equal('next');
        expect(await Promise.all([limit(() => Promise.resolve(1)), limit(() => Promise.resolve(2))])).to.equal([1, 2]);
    });
});
