// every() (core/engine/ticker.ts): a round ms after the last one ended, never
// two at once; a failing round is reported and the next one still comes;
// stop() cancels the next round and waits for the one under way.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { every } from '../../../core/engine/ticker';
import { gate, manualScheduler, settle } from './fakes';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('every', () => {

    it('runs a round ms after the last one ended, never two at once', async () => {
        const scheduler = manualScheduler();
        const rounds: ReturnType<typeof gate>[] = [];
        const errors: unknown[] = [];
        const ticker = every(scheduler, 500, () => {
            const round = gate();
            rounds.push(round);
            return round.pass();
        }, (err) => errors.push(err));

        expect(scheduler.pending().map((t) => t.ms)).to.equal([500]);
        expect(rounds).to.have.length(0);
        scheduler.fire();
        expect(rounds).to.have.length(1);
        await settle();
        expect(scheduler.pending()).to.equal([]);             // no next round while this one runs
        rounds[0]?.open();
        await settle();
        expect(scheduler.pending().map((t) => t.ms)).to.equal([500]);
        expect(errors).to.equal([]);
        await ticker.stop();
    });

    it('reports a failing round and still runs the next', async () => {
        const scheduler = manualScheduler();
        const errors: unknown[] = [];
        let round = 0;
        every(scheduler, 100, async () => {
            if (++round === 1) {
                throw new Error('round 1 failed');
            }
        }, (err) => errors.push(err));

        scheduler.fire();
        await settle();
        expect(errors).to.have.length(1);
        expect((errors[0] as Error).message).to.equal('round 1 failed');
        scheduler.fire();
        await settle();
        expect(round).to.equal(2);
        expect(errors).to.have.length(1);
        expect(scheduler.pending()).to.have.length(1);
    });

    it('stop() cancels the next round', async () => {
        const scheduler = manualScheduler();
        let rounds = 0;
        const ticker = every(scheduler, 100, async () => {
            rounds++;
        }, () => undefined);

        await ticker.stop();
        expect(scheduler.timers.map((t) => t.cancelled)).to.equal([true]);
        expect(scheduler.pending()).to.equal([]);
        expect(rounds).to.equal(0);
    });

    it('stop() waits for the round under way, and no round follows it', async () => {
        const scheduler = manualScheduler();
        const round = gate();
        let ended = false;
        const ticker = every(scheduler, 100, async () => {
            await round.pass();
            ended = true;
        }, () => undefined);

        scheduler.fire();
        await round.reached;
        let stopped = false;
        const stopping = ticker.stop().then(() => {
            stopped = true;
        });
        await settle();
        expect(stopped).to.be.false();
        round.open();
        await stopping;
        expect(ended).to.be.true();
        expect(scheduler.timers).to.have.length(1);          // the fired one: none scheduled after stop
        expect(scheduler.pending()).to.equal([]);
    });
});
