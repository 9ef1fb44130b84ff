// instanceLoop (core/engine/instances.ts): this instance registers at start,
// beats every heartbeatMs (its last-seen time moves, rows not seen for the
// TTL are pruned), is listed while live, and leaves on stop. A failing
// database is logged and never stops the host.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { instanceLoop, type InstanceLoop } from '../../../core/engine/instances';
import { GroupId, InstanceId } from '../../../core/model/ids';
import type { InstanceIdentity } from '../../../core/model/instance';
import { fakeInstances, logRecorder, manualClock, manualScheduler, settle, type FakeInstances, type LogEntry, type ManualClock, type ManualScheduler } from './fakes';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const self: InstanceIdentity = { id: InstanceId('i1'), host: 'node-1', pid: 4242 };
const other: InstanceIdentity = { id: InstanceId('i2'), host: 'node-2', pid: 777 };

interface World {
    readonly clock: ManualClock;
    readonly scheduler: ManualScheduler;
    readonly logs: LogEntry[];
    readonly leases: Map<GroupId, { holder: string; until: number }>;
    readonly fake: FakeInstances;
    readonly loop: InstanceLoop;
}

const world = (): World => {
    const clock = manualClock();
    const scheduler = manualScheduler();
    const { log, entries } = logRecorder();
    const leases = new Map<GroupId, { holder: string; until: number }>();
    const fake = fakeInstances(leases);
    const loop = instanceLoop({ store: fake.store, self, clock, scheduler, log, leaseTtlS: 30, heartbeatMs: 10_000 });
    return { clock, scheduler, logs: entries, leases, fake, loop };
};

// The manual clock's start, moved by offsetMs.
const t0 = manualClock().now().getTime();
const at = (offsetMs: number): Date => new Date(t0 + offsetMs);

describe('instanceLoop', () => {

    it('registers at start, and is listed with its host, pid and times', async () => {
        const w = world();
        expect(w.loop.self).to.equal('i1');
        expect(await w.loop.list()).to.equal([]);
        await w.loop.start();
        expect(await w.loop.list()).to.equal([{ ...self, startedAt: at(0), lastSeenAt: at(0), leases: 0 }]);
        expect(w.scheduler.pending().map((t) => t.ms)).to.equal([10_000]);
        await w.loop.stop();
    });

    it('moves its last-seen time at each beat, keeps its start time, and prunes what the TTL has passed', async () => {
        const w = world();
        await w.loop.start();
        for (let beat = 1; beat <= 3; beat++) {
            w.clock.advance(10_000);
            w.scheduler.fire(10_000);
            await settle();
            expect(w.fake.rows.get(self.id)).to.equal({ identity: self, startedAt: at(0), lastSeenAt: at(beat * 10_000) });
        }

        // Every beat, the start's included, prunes rows older than the TTL.
        expect(w.fake.prunes).to.equal([at(-30_000), at(-20_000), at(-10_000), at(0)]);
        expect(w.logs).to.equal([]);
        await w.loop.stop();
    });

    it('lists an instance no more once the TTL has passed without a beat of it, and the next beat prunes its row', async () => {
        const w = world();
        await w.fake.store.beat(other, at(-5_000), at(0));      // another process, which then dies
        await w.loop.start();
        expect((await w.loop.list()).map((i) => i.id)).to.equal(['i2', 'i1']);   // the longest running first

        w.clock.advance(30_000);
        expect((await w.loop.list()).map((i) => i.id)).to.equal(['i2', 'i1']);   // seen exactly a TTL ago: still live
        w.clock.advance(1);
        expect(await w.loop.list()).to.equal([]);                                    // this one has not beaten either
        w.scheduler.fire(10_000);
        await settle();
        expect((await w.loop.list()).map((i) => i.id)).to.equal(['i1']);
        expect([...w.fake.rows.keys()]).to.equal(['i1']);
        await w.loop.stop();
    });

    it('counts the group leases each live instance holds now, by the holder\'s instance', async () => {
        const w = world();
        await w.fake.store.beat(other, at(0), at(0));
        await w.loop.start();
        const until = w.clock.now().getTime() + 5_000;
        w.leases.set(GroupId('g1'), { holder: 'i1/1', until });
        w.leases.set(GroupId('g2'), { holder: 'i1/2', until });
        w.leases.set(GroupId('g3'), { holder: 'i2/9', until });
        w.leases.set(GroupId('g4'), { holder: 'i1/3', until: w.clock.now().getTime() });   // lapsed: nobody's
        expect((await w.loop.list()).map((i) => [i.id, i.leases])).to.equal([['i2', 1], ['i1', 2]]);
        await w.loop.stop();
    });

    it('leaves on stop: its row goes and no beat follows', async () => {
        const w = world();
        await w.loop.start();
        await w.loop.stop();
        expect(w.fake.rows.size).to.equal(0);
        expect(w.scheduler.pending()).to.equal([]);
        await w.loop.stop();                                              // twice: nothing more
        expect(w.logs).to.equal([]);
    });

    it('starts though the first beat fails (logged), and the next beat registers it', async () => {
        const w = world();
        w.fake.fails = new Error('database away');
        await w.loop.start();
        expect(w.logs.map((l) => [l.tags, String(l.data)])).to.equal([[['cluster', 'instances', 'error'], 'Error: database away']]);
        expect(w.fake.rows.size).to.equal(0);
        w.fake.fails = undefined;
        w.clock.advance(10_000);
        w.scheduler.fire(10_000);
        await settle();
        expect(w.fake.rows.get(self.id)).to.equal({ identity: self, startedAt: at(0), lastSeenAt: at(10_000) });
        await w.loop.stop();
    });

    it('writes its row again, with its start time, after another instance pruned it (a pause past the TTL)', async () => {
        const w = world();
        await w.loop.start();
        w.clock.advance(45_000);
        expect(await w.fake.store.prune(at(15_000))).to.equal(1);    // another instance's beat
        w.scheduler.fire(10_000);
        await settle();
        expect(await w.loop.list()).to.equal([{ ...self, startedAt: at(0), lastSeenAt: at(45_000), leases: 0 }]);
        await w.loop.stop();
    });

    it('stops though its row cannot be deleted (logged): the row lapses with the TTL', async () => {
        const w = world();
        await w.loop.start();
        w.fake.fails = new Error('database away');
        await w.loop.stop();
        expect(w.logs.map((l) => l.tags)).to.equal([['cluster', 'instances', 'error']]);
        expect(w.scheduler.pending()).to.equal([]);
        expect([...w.fake.rows.keys()]).to.equal(['i1']);
    });
});
