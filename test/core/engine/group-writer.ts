// Writes in groups (core/engine/group-writer.ts): what comes while a write is
// under way goes in the next, at most `max` a write, each caller its own result.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { setImmediate as tick } from 'node:timers/promises';
import { groupWriter } from '../../../core/engine/group-writer';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('group writer', () => {

    it('writes what came together in one write, what came during it in the next, at most max a write', async () => {
        const writes: number[][] = [];
        const write = groupWriter(async (items: readonly number[]) => {
            writes.push([...items]);
            await tick();
            return items.map((i) => i * 10);
        }, { max: 3, writers: 1, turn: () => tick() });
        const first = [1, 2].map(write);
        await tick();
        const later = [3, 4, 5, 6].map(write);
        expect(await Promise.all([...first, ...later])).to.equal([10, 20, 30, 40, 50, 60]);
        expect(writes).to.equal([[1, 2], [3, 4, 5], [6]]);
        // Alone, an item is written at once, in a write of its own.
        expect(await write(7)).to.equal(70);
        expect(writes.at(-1)).to.equal([7]);
    });

    it('while held, waits for min items or a flush; two writers write at once', async () => {
        const writes: number[][] = [];
        let held = true;
        let running = 0;
        let most = 0;
        const write = groupWriter(async (items: readonly number[]) => {
            writes.push([...items]);
            running++;
            most = Math.max(most, running);
            await tick();
            running--;
            return items;
        }, { max: 2, writers: 2, turn: () => tick(), min: 2, held: () => held });
        expect(await Promise.all([1, 2, 3, 4].map(write))).to.equal([1, 2, 3, 4]);
        expect(writes).to.equal([[1, 2], [3, 4]]);
        expect(most).to.equal(2);
        // Fewer than min, held: it waits for the flush.
        const fifth = write(5);
        await tick();
        await tick();
        expect(writes.length).to.equal(2);
        write.flush();
        expect(await fifth).to.equal(5);
        // No longer held: at once.
        held = false;
        expect(await write(6)).to.equal(6);
        write.flush();
        expect(writes).to.equal([[1, 2], [3, 4], [5], [6]]);
    });

    it('fails the callers of a failed write, and writes the next group all the same', async () => {
        let fail = true;
        const write = groupWriter(async (items: readonly string[]) => {
            await tick();
            if (fail) {
                fail = false;
                throw new Error('database gone');
            }

            return items.map((i) => `${i}!`);
        }, { max: 10, writers: 1, turn: () => tick() });
        const failed = [write('a'), write('b')];
        await tick();
        const next = write('c');
        for (const p of failed) {
            await expect(p).to.reject('database gone');
        }

        expect(await next).to.equal('c!');
    });
});
