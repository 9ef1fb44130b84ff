// The capability URL's answer floor (plugin/intake/answer-floor.ts): the 99th
// percentile of the last real runs of each kind of body, capped, and a wait
// until it has passed; a kind with no real run yet has no floor.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { performance } from 'node:perf_hooks';
import type { Scheduler } from '../../core/ports/scheduler';
import { answerFloor, FLOOR_CAP_MS } from '../../plugin/intake/answer-floor';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

// Runs a timer's callback at once and keeps what it was asked to wait.
const recording = (): { scheduler: Scheduler; waits: number[] } => {
    const waits: number[] = [];
    return {
        waits,
        scheduler: {
            after: (ms, fn) => {
                waits.push(ms);
                fn();
                return { cancel: () => undefined };
            },
            turn: () => Promise.resolve()
        }
    };
};

describe('answer floor', () => {

    it('is the 99th percentile of a kind\'s real runs, per kind, and none before the first', () => {
        const floor = answerFloor(recording().scheduler);
        expect(floor.floorMs('plain')).to.equal(0);
        for (let ms = 1; ms <= 100; ms++) {
            floor.record('plain', ms);
        }

        expect(floor.floorMs('plain')).to.equal(100);   // 100 samples: the 100th of them, sorted
        floor.record('plain', 0.5);                     // 101 samples: the 100th of them, sorted
        expect(floor.floorMs('plain')).to.equal(99);
        expect(floor.floorMs('alertmanager')).to.equal(0);
        expect(floor.floorMs('rejected')).to.equal(0);
    });

    it('forgets all but the last 128 runs, and never asks more than the cap', () => {
        const floor = answerFloor(recording().scheduler);
        for (let i = 0; i < 200; i++) {
            floor.record('plain', 1000);
        }

        expect(floor.floorMs('plain')).to.equal(FLOOR_CAP_MS);
        for (let i = 0; i < 128; i++) {
            floor.record('plain', 3);
        }

        expect(floor.floorMs('plain')).to.equal(3);
    });

    it('waits what is left of the floor since the start, or not at all once it has passed', async () => {
        const { scheduler, waits } = recording();
        const floor = answerFloor(scheduler);
        floor.record('rejected', 40);
        await floor.wait('rejected', performance.now());
        await floor.wait('rejected', performance.now() - 100);
        await floor.wait('plain', performance.now());
        expect(waits).to.have.length(1);
        expect(waits[0]).to.be.within(30, 40);
    });
});
