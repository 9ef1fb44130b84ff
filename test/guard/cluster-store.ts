// The cluster's guard state in the store (migrations/013_cluster_guards.ts):
// the bucket row answers as admitCreate does, slots lapse, holds keep the
// later time, and instances asking at once never take more than there is.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { randomUUID } from 'node:crypto';
import { admitCreate, type CreateBudgetLimits, type CreateBudgetState, finishCreate, freshBudget } from '../../adapters/guard/budget';
import type { ClusterGuardStore, Upstream } from '../../adapters/guard/cluster-store';
import { testDatabaseKind, testKnex } from '../support/database';
import { freshUpstream, testGuardStore } from '../support/cluster-guards';

const { describe, it, before } = exports.lab = Lab.script();
const { expect } = Code;

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const slot = (lapsesAtMs = T0 + 3_600_000) => ({ id: randomUUID(), lapsesAtMs });

// A small deterministic generator: the same sequence on every run.
const sequence = (seed: number) => {
    let x = seed;
    return (): number => {
        x = (x * 1103515245 + 12345) % 2147483648;
        return x / 2147483648;
    };
};

describe(`the cluster's guard state (${testDatabaseKind()})`, () => {

    let store: ClusterGuardStore;
    before(async () => {
        store = await testGuardStore();
    });

    describe('the creation budget row', () => {

        it('answers as admitCreate does, take for take, over a long random run of takes, answers and clock steps', async () => {
            const limits: CreateBudgetLimits = { createsPerS: 3, burst: 4, maxInFlight: 3, maxWaitMs: 0 };
            const up = freshUpstream();
            const random = sequence(7);
            let local: CreateBudgetState = freshBudget(limits, T0);
            let now = T0;
            const sent: string[] = [];
            let admitted = 0;
            let refused = { rate: 0, in_flight: 0 };
            for (let step = 0; step < 300; step++) {
                const roll = random();
                if (roll < 0.25 && sent.length > 0) {
                    const id = sent.splice(Math.floor(random() * sent.length), 1)[0] as string;
                    await store.finishCreate(up, 'A', id);
                    local = finishCreate(local);
                    continue;
                }

                // Mostly forward by up to 400 ms; now and then a clock that steps back.
                now += roll < 0.9 ? Math.floor(random() * 400) : -Math.floor(random() * 300);
                const s = slot();
                const row = await store.takeCreate(up, 'A', limits, s, now);
                const pure = admitCreate(local, limits, now);
                local = pure.state;
                expect(row.admitted, `step ${step}`).to.equal(pure.admitted);
                expect(row.state.tokens, `step ${step}`).to.about(local.tokens, 1e-9);
                expect(row.state.inFlight, `step ${step}`).to.equal(local.inFlight);
                expect(row.state.atMs, `step ${step}`).to.equal(local.atMs);
                if (pure.admitted) {
                    sent.push(s.id);
                    admitted++;
                }
                else {
                    refused = { ...refused, [pure.why]: refused[pure.why] + 1 };
                }
            }

            // The run went through every case, not only one.
            expect(admitted).to.be.above(50);
            expect(refused.rate).to.be.above(10);
            expect(refused.in_flight).to.be.above(10);
        });

        it('is a full bucket on first use, apart per cloud, service and region', async () => {
            const limits: CreateBudgetLimits = { createsPerS: 1, burst: 2, maxInFlight: 10, maxWaitMs: 0 };
            const up = freshUpstream();
            const others: [Upstream, string][] = [[up, 'B'], [{ ...up, service: 'load-balancer' }, 'A'], [{ ...up, cloud: `${up.cloud}/other` }, 'A']];
            const takes = async (u: Upstream, region: string): Promise<boolean[]> =>
                [(await store.takeCreate(u, region, limits, slot(), T0)).admitted, (await store.takeCreate(u, region, limits, slot(), T0)).admitted,
                    (await store.takeCreate(u, region, limits, slot(), T0)).admitted];
            expect(await takes(up, 'A')).to.equal([true, true, false]);
            for (const [u, region] of others) {
                expect(await takes(u, region)).to.equal([true, true, false]);
            }
        });

        it('lets a slot lapse: creates sent by an instance killed before it could answer stop counting at their lapse', async () => {
            const limits: CreateBudgetLimits = { createsPerS: 100, burst: 100, maxInFlight: 2, maxWaitMs: 0 };
            const up = freshUpstream();
            expect((await store.takeCreate(up, 'A', limits, slot(T0 + 1000), T0)).admitted).to.be.true();
            expect((await store.takeCreate(up, 'A', limits, slot(T0 + 5000), T0)).admitted).to.be.true();
            // Never finished (the instance died): full until the first lapses.
            const full = await store.takeCreate(up, 'A', limits, slot(), T0 + 999);
            expect([full.admitted, full.state.inFlight]).to.equal([false, 2]);
            const one = await store.takeCreate(up, 'A', limits, slot(), T0 + 1000);
            expect([one.admitted, one.state.inFlight]).to.equal([true, 2]);
        });

        it('never admits more than there is when many ask at once', async () => {
            const limits: CreateBudgetLimits = { createsPerS: 1, burst: 7, maxInFlight: 100, maxWaitMs: 0 };
            const up = freshUpstream();
            const takes = await Promise.all(Array.from({ length: 40 }, () => store.takeCreate(up, 'A', limits, slot(), T0)));
            expect(takes.filter((t) => t.admitted)).to.have.length(7);

            const capped: CreateBudgetLimits = { createsPerS: 1000, burst: 1000, maxInFlight: 5, maxWaitMs: 0 };
            const other = freshUpstream();
            const inFlight = await Promise.all(Array.from({ length: 40 }, () => store.takeCreate(other, 'A', capped, slot(), T0)));
            expect(inFlight.filter((t) => t.admitted)).to.have.length(5);
        });

        it('is unlogged, so that a take or an answer never holds the row while the WAL is flushed; a row a crash emptied is full again at the next take', async () => {
            const knex = await testKnex();
            const persistence = async (table: string): Promise<string> =>
                String((await knex.raw<{ rows: { relpersistence: string }[] }>('SELECT relpersistence FROM pg_class WHERE oid = CAST(? AS regclass)', [table])).rows[0]?.relpersistence);
            expect(await persistence('region_budgets')).to.equal('u');
            expect(await persistence('region_holds')).to.equal('p');       // a Retry-After outlives a restart

            const limits: CreateBudgetLimits = { createsPerS: 1, burst: 2, maxInFlight: 10, maxWaitMs: 0 };
            const up = freshUpstream();
            await store.takeCreate(up, 'A', limits, slot(), T0);
            await store.takeCreate(up, 'A', limits, slot(), T0);
            expect((await store.takeCreate(up, 'A', limits, slot(), T0)).admitted).to.be.false();
            await knex('region_budgets').where({ cloud: up.cloud }).delete();          // what recovery does to an unlogged table
            const again = await store.takeCreate(up, 'A', limits, slot(), T0);
            expect([again.admitted, again.state.tokens, again.state.inFlight]).to.equal([true, 1, 1]);
        });

        it('frees a finished create\'s slot, and only that one', async () => {
            const limits: CreateBudgetLimits = { createsPerS: 100, burst: 100, maxInFlight: 2, maxWaitMs: 0 };
            const up = freshUpstream();
            const [a, b] = [slot(), slot()];
            await store.takeCreate(up, 'A', limits, a, T0);
            await store.takeCreate(up, 'A', limits, b, T0);
            await store.finishCreate(up, 'A', a.id);
            await store.finishCreate(up, 'A', a.id);             // twice: nothing more is freed
            await store.finishCreate(up, 'B', b.id);             // another region's: nothing
            const again = await store.takeCreate(up, 'A', limits, slot(), T0);
            expect([again.admitted, again.state.inFlight]).to.equal([true, 2]);
            expect((await store.takeCreate(up, 'A', limits, slot(), T0)).admitted).to.be.false();
        });
    });

    describe('holds', () => {

        it('keep the later time of a cause, whoever sets it, and are read while in force', async () => {
            const up = freshUpstream();
            await store.hold(up, { region: 'A', cause: 'retry_after', untilMs: T0 + 20_000, setBy: 'i1' });
            await store.hold(up, { region: 'A', cause: 'retry_after', untilMs: T0 + 5_000, setBy: 'i2' });     // shorter: kept out
            await store.hold(up, { region: 'A', cause: 'breaker_open', untilMs: T0 + 30_000, setBy: 'i2' });
            await store.hold(up, { region: 'B', cause: 'retry_after', untilMs: T0 + 1_000, setBy: 'i3' });
            await store.hold({ ...up, service: 'load-balancer' }, { region: 'A', cause: 'retry_after', untilMs: T0 + 99_000, setBy: 'i3' });
            const sorted = async (nowMs: number) => [...await store.holdsOf(up, nowMs)].sort((x, y) => `${x.region}${x.cause}`.localeCompare(`${y.region}${y.cause}`));
            expect(await sorted(T0)).to.equal([
                { region: 'A', cause: 'breaker_open', untilMs: T0 + 30_000, setBy: 'i2' },
                { region: 'A', cause: 'retry_after', untilMs: T0 + 20_000, setBy: 'i1' },
                { region: 'B', cause: 'retry_after', untilMs: T0 + 1_000, setBy: 'i3' }
            ]);

            await store.hold(up, { region: 'A', cause: 'retry_after', untilMs: T0 + 25_000, setBy: 'i2' });    // longer: it wins, and is i2's
            expect((await sorted(T0 + 1_000)).map((h) => [h.region, h.cause, h.untilMs - T0, h.setBy])).to.equal([
                ['A', 'breaker_open', 30_000, 'i2'], ['A', 'retry_after', 25_000, 'i2']
            ]);
            expect(await sorted(T0 + 30_000)).to.equal([]);
        });

        it('end only when the instance that set them says so', async () => {
            const up = freshUpstream();
            await store.hold(up, { region: 'A', cause: 'breaker_open', untilMs: T0 + 30_000, setBy: 'i1' });
            await store.endHold(up, 'A', 'breaker_open', 'i2');
            expect(await store.holdsOf(up, T0)).to.have.length(1);
            await store.endHold(up, 'A', 'breaker_open', 'i1');
            expect(await store.holdsOf(up, T0)).to.equal([]);
        });
    });
});
