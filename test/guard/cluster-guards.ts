// Several instances' guards over one database (contract §9): the creation
// budget and Retry-After holds are the cluster's, an open breaker anywhere
// makes the others open on their first failure, and a database out of reach
// sends no create on a guess.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { randomUUID } from 'node:crypto';
import type { CreateBudgetLimits } from '../../adapters/guard/budget';
import { ClusterLink } from '../../adapters/guard/cluster-link';
import type { ClusterGuardStore } from '../../adapters/guard/cluster-store';
import { GuardedCompute, type GuardedComputeOptions } from '../../adapters/nova/guarded-compute';
import { GuardedOctavia } from '../../adapters/octavia/guarded';
import { knexStore } from '../../adapters/store/knex-store';
import { openDatabase } from '../../adapters/store/database';
import type { Log } from '../../core/engine/log';
import { LoadBalancerError } from '../../core/model/load-balancer';
import { ComputeError, type ComputeErrorKind } from '../../core/model/server';
import type { ComputeScope } from '../../core/ports/compute';
import { systemClock } from '../../core/ports/clock';
import { testDatabase, testDatabaseKind } from '../support/database';
import { freshCloud, testGuardStore } from '../support/cluster-guards';
import { ManualClock } from '../simulator/helpers';
import { FakeCompute, outcome, sleep } from '../nova/guarded-support';
import { FakeMembers } from '../octavia/fake-members';

const { describe, it, before } = exports.lab = Lab.script();
const { expect } = Code;

const A: ComputeScope = { projectId: 'p1', region: 'A' };
const nova = (kind: ComputeErrorKind, retryAfterS: number | null = null): ComputeError => new ComputeError(kind, `fake ${kind}`, null, retryAfterS);

interface Instance {
    readonly guard: GuardedCompute;
    readonly fake: FakeCompute;
    readonly logged: string[];
}

// One plugin instance's compute guard: its own id, the cluster's store and cloud.
const instance = (store: ClusterGuardStore, cloud: string, options: GuardedComputeOptions = {}, fake = new FakeCompute()): Instance => {
    const logged: string[] = [];
    const log: Log = (tags, data) => logged.push(`${tags.join(',')}: ${String(data)}`);
    return { guard: new GuardedCompute(fake, { ...options, cluster: new ClusterLink(store, cloud, randomUUID(), log) }), fake, logged };
};

const closeAll = (instances: readonly Instance[]): void => instances.forEach((i) => i.guard.close());

// The bucket time of every admitted create, as the database decided it, and how many takes it refused.
const recording = (store: ClusterGuardStore, takes: { admittedAtMs: number[]; refused: number }): ClusterGuardStore => ({
    ...store,
    takeCreate: async (...args) => {
        const take = await store.takeCreate(...args);
        if (take.admitted) {
            takes.admittedAtMs.push(take.state.atMs);
        }
        else {
            takes.refused++;
        }

        return take;
    }
});

// Callers on every instance sending creates back to back until `untilMs`.
const push = async (instances: readonly Instance[], callersEach: number, untilMs: number): Promise<{ ok: number[]; held: number }> => {
    const ok = instances.map(() => 0);
    let held = 0;
    await Promise.all(instances.flatMap((inst, n) => Array.from({ length: callersEach }, async () => {
        while (Date.now() < untilMs) {
            const result = await outcome(inst.guard.createServer(A, {}));
            expect(['ok', 'held']).to.include(result);
            if (result === 'ok') {
                ok[n] = (ok[n] ?? 0) + 1;
            }
            else {
                held++;
            }
        }
    })));
    return { ok, held };
};

// At most burst + rate · t in any span t of bucket time: every pair of admissions bounds the ones between.
const overBudget = (atMs: readonly number[], limits: CreateBudgetLimits): string | null => {
    const sorted = [...atMs].sort((x, y) => x - y);
    for (let i = 0; i < sorted.length; i++) {
        for (let j = i; j < sorted.length; j++) {
            const allowed = limits.burst + (limits.createsPerS * ((sorted[j] as number) - (sorted[i] as number))) / 1000;
            if (j - i + 1 > allowed + 1e-6) {
                return `${j - i + 1} creates in ${(sorted[j] as number) - (sorted[i] as number)} ms, at most ${allowed} allowed`;
            }
        }
    }

    return null;
};

describe(`guards of several instances over one database (${testDatabaseKind()})`, () => {

    let store: ClusterGuardStore;
    before(async () => {
        store = await testGuardStore();
    });

    describe('the creation budget', () => {

        it('three instances sending creates as fast as they can get createsPerS (+ burst) between them, never more', async () => {
            const limits: CreateBudgetLimits = { createsPerS: 20, burst: 5, maxInFlight: 50, maxWaitMs: 300 };
            const takes = { admittedAtMs: [] as number[], refused: 0 };
            const shared = recording(store, takes);
            const cloud = freshCloud();
            const instances = [0, 1, 2].map(() => instance(shared, cloud, { createBudget: limits }));
            try {
                const { ok } = await push(instances, 6, Date.now() + 3000);
                const total = ok.reduce((a, b) => a + b, 0);
                expect(overBudget(takes.admittedAtMs, limits)).to.be.null();
                // What reached Nova is what the bucket admitted, no more.
                expect(instances.reduce((n, i) => n + i.fake.count('create'), 0)).to.equal(total);
                expect(takes.admittedAtMs).to.have.length(total);
                // The budget held them back (18 callers wanted far more), and it refilled.
                expect(takes.refused).to.be.above(0);
                expect(total).to.be.above(limits.burst);
                expect(ok.every((n) => n > 0)).to.be.true();
            }
            finally {
                closeAll(instances);
            }
        });

        it('three instances never have more than maxInFlight creates in flight between them', async () => {
            const limits: CreateBudgetLimits = { createsPerS: 200, burst: 20, maxInFlight: 4, maxWaitMs: 300 };
            const cloud = freshCloud();
            let inside = 0;
            let most = 0;
            const slow = (): FakeCompute => {
                const fake = new FakeCompute();
                fake.answer = () => {
                    inside++;
                    most = Math.max(most, inside);
                    return sleep(40).then(() => {
                        inside--;
                    });
                };
                return fake;
            };

            const instances = [0, 1, 2].map(() => instance(store, cloud, { createBudget: limits }, slow()));
            try {
                const { ok } = await push(instances, 6, Date.now() + 2000);
                expect(most).to.equal(limits.maxInFlight);
                expect(ok.every((n) => n > 0)).to.be.true();
                expect(instances.map((i) => i.guard.state('A').createsInFlight)).to.equal([0, 0, 0]);
            }
            finally {
                closeAll(instances);
            }
        });
    });

    describe('Retry-After', () => {

        it('seen by one instance holds the region for all, read at most a second late, until it has passed', async () => {
            const clock = new ManualClock();
            const cloud = freshCloud();
            const [one, two] = [instance(store, cloud, { clock }), instance(store, cloud, { clock })];
            try {
                expect(await outcome(two.guard.listServers(A))).to.equal('ok');            // read: nothing held

                one.fake.answer = () => nova('over_limit', 20);
                expect(await outcome(one.guard.listServers(A))).to.equal('over_limit');
                expect(await outcome(one.guard.createServer(A, {}))).to.equal('held');     // its own hold, no read needed

                clock.advance(999);
                expect(await outcome(two.guard.listServers(A))).to.equal('ok');            // what it read is under a second old
                clock.advance(1);
                const held = await expect(two.guard.createServer(A, {})).to.reject(ComputeError);
                expect([held.kind, held.retryAfterS]).to.equal(['held', 19]);
                expect(two.guard.state('A').heldForS).to.equal(19);
                expect(two.fake.count()).to.equal(2);

                // Another region, and another cloud's same region, are not held.
                expect(await outcome(two.guard.listServers({ projectId: 'p1', region: 'B' }))).to.equal('ok');
                const elsewhere = instance(store, freshCloud(), { clock });
                expect(await outcome(elsewhere.guard.listServers(A))).to.equal('ok');
                elsewhere.guard.close();

                clock.advance(19_000);
                expect(await outcome(two.guard.createServer(A, {}))).to.equal('ok');
                expect(two.fake.count('create')).to.equal(1);
            }
            finally {
                closeAll([one, two]);
            }
        });
    });

    describe('the breaker', () => {

        it('open at one instance makes the others open on their first failure; closed again, it no longer does', async () => {
            const clock = new ManualClock();
            const cloud = freshCloud();
            const breaker = { volumeThreshold: 50, consecutiveFailures: 5, resetTimeoutMs: 100 };
            const [one, two, three] = [0, 1, 2].map(() => instance(store, cloud, { clock, breaker })) as [Instance, Instance, Instance];
            try {
                one.fake.answer = () => nova('server_error');
                for (let n = 0; n < 5; n++) {
                    expect(await outcome(one.guard.listServers(A))).to.equal('server_error');
                }

                expect(one.guard.state('A').breaker).to.equal('open');

                // Healthy elsewhere: still answering.
                expect(await outcome(two.guard.listServers(A))).to.equal('ok');
                two.fake.answer = () => nova('server_error');
                expect(await outcome(two.guard.listServers(A))).to.equal('server_error');
                expect(two.guard.state('A').breaker).to.equal('open');
                expect(await outcome(two.guard.listServers(A))).to.equal('breaker_open');
                expect(two.fake.count()).to.equal(2);

                // One's probe succeeds: its breaker closes and its word is withdrawn.
                while (one.guard.state('A').breaker !== 'half_open') {
                    await sleep(20);
                }

                one.fake.answer = () => null;
                expect(await outcome(one.guard.listServers(A))).to.equal('ok');
                expect(one.guard.state('A').breaker).to.equal('closed');
                // Two's own breaker is still open (its probe is its own), and says so.
                three.fake.answer = () => nova('server_error');
                expect(await outcome(three.guard.listServers(A))).to.equal('server_error');
                expect(three.guard.state('A').breaker).to.equal('open');

                while (two.guard.state('A').breaker !== 'half_open') {
                    await sleep(20);
                }

                two.fake.answer = () => null;
                while (three.guard.state('A').breaker !== 'half_open') {
                    await sleep(20);
                }

                three.fake.answer = () => null;
                expect(await outcome(two.guard.listServers(A))).to.equal('ok');
                expect(await outcome(three.guard.listServers(A))).to.equal('ok');

                // No breaker open anywhere: a failure is one of five again.
                const four = instance(store, cloud, { clock, breaker });
                four.fake.answer = () => nova('server_error');
                expect(await outcome(four.guard.listServers(A))).to.equal('server_error');
                expect(four.guard.state('A').breaker).to.equal('closed');
                four.guard.close();
            }
            finally {
                closeAll([one, two, three]);
            }
        });
    });

    describe('the database out of reach', () => {

        it('refuses creates (nothing sent on a guess), lets other calls through on the holds it knows, and says so once', async () => {
            const clock = new ManualClock();
            const db = await testDatabase();
            const own = knexStore(openDatabase({ knex: db.knex }), { migrate: false, clock: systemClock });
            const cloud = freshCloud();
            const seer = instance(store, cloud, { clock });
            const cut = instance(own.guards, cloud, { clock });
            try {
                await own.open();
                seer.fake.answer = () => nova('over_limit', 30);
                expect(await outcome(seer.guard.listServers(A))).to.equal('over_limit');
                expect(await outcome(cut.guard.listServers(A))).to.equal('held');         // read while it could

                await own.close();                                                          // from now on: out of reach
                clock.advance(10_000);
                expect(await outcome(cut.guard.listServers(A))).to.equal('held');         // what it knew still holds
                clock.advance(20_000);
                expect(await outcome(cut.guard.listServers(A))).to.equal('ok');
                expect(await outcome(cut.guard.deleteServer(A, 'x'))).to.equal('ok');
                const refused = await expect(cut.guard.createServer(A, {})).to.reject(ComputeError);
                expect([refused.kind, refused.retryAfterS]).to.equal(['held', 1]);
                expect(refused.message).to.contain('cannot be read');
                expect(await outcome(cut.guard.createServer(A, {}))).to.equal('held');
                expect(cut.fake.count('create')).to.equal(0);
                expect(cut.logged).to.have.length(1);
                expect(cut.logged[0]).to.match(/^cluster,guard,error: The cluster's guard state cannot be reached/);

                await own.open();                                                           // back
                clock.advance(1000);
                expect(await outcome(cut.guard.createServer(A, {}))).to.equal('ok');
                expect(cut.logged).to.have.length(2);
                expect(cut.logged[1]).to.match(/^cluster,guard,info: .* can be reached again/);
            }
            finally {
                closeAll([seer, cut]);
            }
        });

        it('refuses Octavia member creates too, in Octavia\'s words, and keeps Octavia\'s rows apart from Nova\'s', async () => {
            const db = await testDatabase();
            const closed = knexStore(openDatabase({ knex: db.knex }), { migrate: false, clock: systemClock });   // never opened
            const cloud = freshCloud();
            const fake = new FakeMembers();
            const members = new GuardedOctavia(fake, { cluster: new ClusterLink(closed.guards, cloud, randomUUID(), () => undefined) });
            const scope = { projectId: 'p1', region: 'A' };
            try {
                const refused = await expect(members.createMember(scope, 'p1', { address: '10.0.0.1', protocolPort: 80, name: 'web' })).to.reject(LoadBalancerError);
                expect([refused.kind, refused.retryAfterS]).to.equal(['held', 1]);
                expect(refused.message).to.contain('member creation budget of A cannot be read');
                expect(fake.calls).to.equal([]);

                // A compute hold is not Octavia's: an instance of the same cloud still reaches Octavia.
                const nova = instance(store, cloud);
                nova.fake.answer = () => new ComputeError('over_limit', 'slow down', 429, 60);
                expect(await outcome(nova.guard.listServers(A))).to.equal('over_limit');
                const open = new GuardedOctavia(fake, { cluster: new ClusterLink(store, cloud, randomUUID(), () => undefined) });
                await open.listMembers(scope, 'p1');
                expect(await open.createMember(scope, 'p1', { address: '10.0.0.1', protocolPort: 80, name: 'web' })).to.equal({ id: 'm2' });
                open.close();
                nova.guard.close();
            }
            finally {
                members.close();
            }
        });

        const skip = testDatabaseKind() !== 'postgres';
        it(`a take that does not answer in time refuses the create, and gives its slot back when it lands${skip ? ' (skipped: needs PostgreSQL, DATABASE_URL unset)' : ''}`, { skip }, async () => {
            const limits: CreateBudgetLimits = { createsPerS: 100, burst: 100, maxInFlight: 3, maxWaitMs: 0 };
            const cloud = freshCloud();
            const knex = (await testDatabase()).knex;
            const logged: string[] = [];
            const link = new ClusterLink(store, cloud, randomUUID(), (tags, data) => logged.push(`${tags.join(',')}: ${String(data)}`), 200);
            const fake = new FakeCompute();
            const guard = new GuardedCompute(fake, { createBudget: limits, cluster: link });
            try {
                expect(await outcome(guard.createServer(A, {}))).to.equal('ok');           // the row exists
                const trx = await knex.transaction();
                await trx.raw('SELECT 1 FROM region_budgets WHERE cloud = ? FOR UPDATE', [cloud]);
                expect(await outcome(guard.createServer(A, {}))).to.equal('held');         // blocked behind the lock past the deadline
                await trx.commit();
                // The late take lands and takes a slot; it is given back (nothing was sent), and the link says it is back.
                while (logged.length < 2) {
                    await sleep(10);
                }

                expect(logged[1]).to.contain('can be reached again');
                const row: { in_flight: Record<string, number> } = await knex('region_budgets').where({ cloud }).first('in_flight');
                expect(row.in_flight).to.equal({});
                expect(fake.count('create')).to.equal(1);
                expect(logged[0]).to.contain('no answer within 200 ms');
            }
            finally {
                guard.close();
            }
        });
    });
});
