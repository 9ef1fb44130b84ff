// GuardedOctavia: the breaker, Retry-After hold and member creation budget per
// region, Octavia's own and not Nova's. Around a fake, counted at the inner
// port; and around the real client over nock, where "nothing sent" means no
// HTTP request at all.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import nock from 'nock';
import { GuardedCompute } from '../../adapters/nova/guarded-compute';
import { DEFAULT_BREAKER } from '../../adapters/guard/breaker';
import { DEFAULT_CREATE_BUDGET } from '../../adapters/guard/budget';
import { GuardedOctavia, type GuardedOctaviaOptions, octaviaBreaker } from '../../adapters/octavia/guarded';
import type { LoadBalancerScope } from '../../core/ports/load-balancers';
import { LoadBalancerError, type LoadBalancerErrorKind } from '../../core/model/load-balancer';
import { ComputeError } from '../../core/model/server';
import { ManualClock, startNock, stopNock } from '../nova/fixtures';
import { FakeCompute, Gate, outcome, sleep } from '../nova/guarded-support';
import { everyCall, FakeMembers } from './fake-members';
import { client, expectProjectAuth, failure, fault, OCTAVIA, rawPool } from './fixtures';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const A: LoadBalancerScope = { projectId: 'p1', region: 'A' };
const B: LoadBalancerScope = { projectId: 'p1', region: 'B' };
const SPEC = { address: '10.0.0.1', protocolPort: 80, name: 'web' };

const octavia = (kind: LoadBalancerErrorKind, retryAfterS: number | null = null): LoadBalancerError => new LoadBalancerError(kind, `fake ${kind}`, null, retryAfterS);

// A guard per test, always closed (its breakers' timers with it).
const withGuard = async (options: GuardedOctaviaOptions, test: (g: GuardedOctavia, fake: FakeMembers) => Promise<void>): Promise<void> => {
    const fake = new FakeMembers();
    const guard = new GuardedOctavia(fake, options);
    try {
        await test(guard, fake);
    }
    finally {
        guard.close();
    }
};

describe('GuardedOctavia', () => {

    it('has Nova\'s defaults: the same breaker and the same creation budget, per region', () => {
        const g = new GuardedOctavia(new FakeMembers());
        expect(g.breakerOptions).to.equal(DEFAULT_BREAKER);
        expect(g.budgetLimits).to.equal(DEFAULT_CREATE_BUDGET);
        expect(g.state('A')).to.equal({ breaker: 'closed', heldForS: 0, createsInFlight: 0 });
        g.close();
        expect(() => new GuardedOctavia(new FakeMembers(), { createBudget: { burst: 0 } })).to.throw(RangeError, /burst/);
    });

    describe('the breaker per region', () => {

        it('is named octavia:<region>', () => {
            const breaker = octaviaBreaker('RegionOne', DEFAULT_BREAKER);
            expect(breaker.name).to.equal('octavia:RegionOne');
            breaker.shutdown();
        });

        it('opens on consecutive server errors, then refuses every call as breaker_open without calling Octavia', async () => {
            const changes: string[] = [];
            await withGuard({ breaker: { volumeThreshold: 5, resetTimeoutMs: 60_000 }, onBreakerChange: (r, s) => changes.push(`${r}:${s}`) }, async (g, fake) => {
                fake.answer = () => octavia('server_error');
                for (let n = 0; n < 5; n++) {
                    expect((await failure(g.showMember(A, 'p1', 'm1'))).kind).to.equal('server_error');
                }

                expect(g.state('A').breaker).to.equal('open');
                expect(await everyCall(g, A, outcome)).to.equal(Array(8).fill('breaker_open'));
                expect(fake.count()).to.equal(5);

                const err = await failure(g.createMember(A, 'p1', SPEC));
                expect(err.message).to.equal('The load-balancer breaker of A is open: Octavia is failing there');
                expect(err.retryAfterS ?? 0).to.be.above(59);
                expect(err.retryAfterS ?? 0).to.be.at.most(60);
                expect(changes).to.equal(['A:open']);
            });
        });

        for (const kind of ['timeout', 'network', 'unavailable', 'over_limit'] as const) {
            it(`counts ${kind} as Octavia failing`, async () => {
                await withGuard({ breaker: { volumeThreshold: 3, resetTimeoutMs: 60_000 } }, async (g, fake) => {
                    fake.answer = () => octavia(kind);
                    await Promise.all([1, 2, 3].map(() => outcome(g.deleteMember(A, 'p1', 'm1'))));
                    expect(g.state('A').breaker).to.equal('open');
                });
            });
        }

        it('never opens on a working Octavia\'s answers (busy, refused, gone, forbidden, quota, unauthorized), and passes them through as they are', async () => {
            await withGuard({ breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 }, createBudget: { createsPerS: 1000, burst: 1000 } }, async (g, fake) => {
                const errors = (['busy', 'refused', 'pool_gone', 'load_balancer_gone', 'forbidden', 'quota', 'unauthorized'] as const).map((k) => octavia(k));
                fake.answer = () => errors[(fake.calls.length - 1) % errors.length] ?? null;
                for (let n = 0; n < 42; n++) {
                    const err = await failure(g.createMember(A, 'p1', SPEC));
                    expect(err).to.shallow.equal(errors[n % errors.length]);
                }

                expect(fake.count()).to.equal(42);
                expect(g.state('A').breaker).to.equal('closed');
            });
        });

        it('does not count errors that are not LoadBalancerErrors (a bug, not Octavia) but lets them through', async () => {
            await withGuard({ breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } }, async (g, fake) => {
                const bug = new TypeError('bug');
                fake.answer = () => bug;
                for (let n = 0; n < 10; n++) {
                    expect(await expect(g.listMembers(A, 'p1')).to.reject()).to.shallow.equal(bug);
                }

                expect(g.state('A')).to.equal({ breaker: 'closed', heldForS: 0, createsInFlight: 0 });
            });
        });

        it('a good half-open probe closes it again', async () => {
            await withGuard({ breaker: { volumeThreshold: 1, resetTimeoutMs: 100 } }, async (g, fake) => {
                fake.answer = () => octavia('unavailable');
                await outcome(g.listMembers(A, 'p1'));
                await sleep(150);
                expect(g.state('A').breaker).to.equal('half_open');
                fake.answer = () => null;
                expect(await outcome(g.listMembers(A, 'p1'))).to.equal('ok');
                expect(g.state('A').breaker).to.equal('closed');
            });
        });

        it('is per region: A open, B still called', async () => {
            await withGuard({ breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } }, async (g, fake) => {
                fake.answer = (call) => (call.region === 'A' ? octavia('server_error') : null);
                await outcome(g.showMember(A, 'p1', 'm1'));
                await outcome(g.showMember(A, 'p1', 'm1'));
                expect(await everyCall(g, A, outcome)).to.equal(Array(8).fill('breaker_open'));
                expect(await everyCall(g, B, outcome)).to.equal(Array(8).fill('ok'));
                expect([fake.count(undefined, 'A'), fake.count(undefined, 'B')]).to.equal([2, 8]);
            });
        });

        it('is not Nova\'s: Octavia failing in A leaves Nova\'s breaker of A closed, and Nova failing in A leaves Octavia\'s closed', async () => {
            const options = { breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } };
            const nova = new FakeCompute();
            const compute = new GuardedCompute(nova, options);
            await withGuard(options, async (g, fake) => {
                fake.answer = () => octavia('server_error');
                await outcome(g.showMember(A, 'p1', 'm1'));
                await outcome(g.showMember(A, 'p1', 'm1'));
                expect(g.state('A').breaker).to.equal('open');
                expect(compute.state('A').breaker).to.equal('closed');
                expect(await outcome(compute.listServers(A))).to.equal('ok');

                fake.answer = () => null;
                const other = new GuardedOctavia(fake, options);
                nova.answer = () => new ComputeError('server_error', 'fake');
                await outcome(compute.listServers(A));
                await outcome(compute.listServers(A));
                expect(compute.state('A').breaker).to.equal('open');
                expect(await everyCall(other, A, outcome)).to.equal(Array(8).fill('ok'));
                other.close();
            });
            compute.close();
        });

        it('close() shuts every breaker down; later calls are refused without calling Octavia', async () => {
            const fake = new FakeMembers();
            const g = new GuardedOctavia(fake);
            await g.poolsOf(A, 'lb-1');
            g.close();
            const err = await failure(g.poolsOf(A, 'lb-1'));
            expect([err.kind, err.message, err.retryAfterS]).to.equal(['breaker_open', 'GuardedOctavia is closed: no call to A', null]);
            expect(fake.count()).to.equal(1);
        });
    });

    describe('Retry-After', () => {

        it('a 503 with Retry-After 5 holds every call to that region for 5 s, and no other region', async () => {
            const clock = new ManualClock();
            await withGuard({ clock }, async (g, fake) => {
                fake.answer = (call) => (call.region === 'A' && fake.count() === 1 ? octavia('unavailable', 5) : null);
                const first = await failure(g.setWeight(A, 'p1', 'm1', 0));
                expect([first.kind, first.retryAfterS]).to.equal(['unavailable', 5]);

                const held = await failure(g.createMember(A, 'p1', SPEC));
                expect([held.kind, held.retryAfterS, held.message]).to.equal(['held', 5, 'Load-balancer calls to A are held by Octavia\'s Retry-After for 5 s more']);
                expect(await everyCall(g, A, outcome)).to.equal(Array(8).fill('held'));
                expect(await everyCall(g, B, outcome)).to.equal(Array(8).fill('ok'));

                clock.advance(4_999);
                expect((await failure(g.listMembers(A, 'p1'))).retryAfterS).to.equal(0.001);
                expect(fake.count(undefined, 'A')).to.equal(1);

                clock.advance(1);
                expect(await everyCall(g, A, outcome)).to.equal(Array(8).fill('ok'));
                expect(g.state('A').heldForS).to.equal(0);
            });
        });

        it('a 429 holds too; a busy or refused answer, or a wait of 0, holds nothing', async () => {
            const clock = new ManualClock();
            await withGuard({ clock, breaker: { volumeThreshold: 100 } }, async (g, fake) => {
                const answers = [octavia('busy', 30), octavia('refused'), octavia('unavailable', 0), octavia('over_limit', 2), null];
                fake.answer = () => answers[fake.count() - 1] ?? null;
                expect(await Promise.all([1, 2, 3, 4].map(() => outcome(g.showMember(A, 'p1', 'm1'))))).to.equal(['busy', 'refused', 'unavailable', 'over_limit']);
                expect(g.state('A').heldForS).to.equal(2);
            });
        });

        it('Octavia\'s hold does not hold Nova in the same region', async () => {
            const clock = new ManualClock();
            const compute = new GuardedCompute(new FakeCompute(), { clock });
            await withGuard({ clock }, async (g, fake) => {
                fake.answer = () => octavia('over_limit', 60);
                await outcome(g.poolsOf(A, 'lb-1'));
                expect(await outcome(g.poolsOf(A, 'lb-1'))).to.equal('held');
                expect(await outcome(compute.createServer(A, {}))).to.equal('ok');
            });
            compute.close();
        });

        it('a scope with no region is the default region: one hold for both spellings', async () => {
            const clock = new ManualClock();
            await withGuard({ clock, defaultRegion: 'RegionOne' }, async (g, fake) => {
                fake.answer = () => (fake.count() === 1 ? octavia('unavailable', 5) : null);
                await outcome(g.showMember({ projectId: 'p1', region: null }, 'p1', 'm1'));
                expect(await outcome(g.showMember({ projectId: 'p2', region: 'RegionOne' }, 'p1', 'm1'))).to.equal('held');
                expect(g.state(null).heldForS).to.equal(5);
            });
        });
    });

    describe('the member creation budget', () => {

        it('paces member creates per region: the burst, then one per interval; nothing else spends it', async () => {
            const clock = new ManualClock();
            await withGuard({ clock, createBudget: { createsPerS: 2, burst: 2, maxInFlight: 100, maxWaitMs: 0 } }, async (g, fake) => {
                expect(await Promise.all([1, 2, 3].map(() => outcome(g.createMember(A, 'p1', SPEC))))).to.equal(['ok', 'ok', 'held']);
                const err = await failure(g.createMember(A, 'p1', SPEC));
                expect([err.retryAfterS, err.message]).to.equal([0.5, 'Member creation budget of A spent (2 creates/s)']);
                expect(await outcome(g.createMember(B, 'p1', SPEC))).to.equal('ok');

                // Every other call goes through however many there are.
                const others = await Promise.all(Array.from({ length: 10 }, () => [
                    outcome(g.poolsOf(A, 'lb-1')), outcome(g.showMember(A, 'p1', 'm1')), outcome(g.listMembers(A, 'p1')),
                    outcome(g.setWeight(A, 'p1', 'm1', 0)), outcome(g.deleteMember(A, 'p1', 'm1'))
                ]).flat());
                expect(others).to.equal(Array(50).fill('ok'));

                clock.advance(500);
                expect(await outcome(g.createMember(A, 'p1', SPEC))).to.equal('ok');
                expect(fake.count('create', 'A')).to.equal(3);
            });
        });

        it('caps member creates in flight, and a create waits its turn up to maxWaitMs', async () => {
            await withGuard({ createBudget: { createsPerS: 100, burst: 100, maxInFlight: 1, maxWaitMs: 2_000 } }, async (g, fake) => {
                const gate = new Gate();
                fake.answer = (call) => (call.method === 'create' && fake.count('create') === 1 ? gate.promise : null);
                const first = outcome(g.createMember(A, 'p1', SPEC));
                const second = outcome(g.createMember(A, 'p1', SPEC));
                await sleep(30);
                expect(g.state('A').createsInFlight).to.equal(1);
                expect(fake.count('create')).to.equal(1);
                gate.fail(octavia('busy'));
                expect(await Promise.all([first, second])).to.equal(['busy', 'ok']);
                expect(fake.count('create')).to.equal(2);
            });

            await withGuard({ createBudget: { createsPerS: 100, burst: 100, maxInFlight: 1, maxWaitMs: 30 } }, async (g, fake) => {
                const gate = new Gate();
                fake.answer = () => gate.promise;
                const first = outcome(g.createMember(A, 'p1', SPEC));
                const err = await failure(g.createMember(A, 'p1', SPEC));
                expect([err.kind, err.message]).to.equal(['held', 'Member creation budget of A spent (1 creates in flight)']);
                gate.open();
                expect(await first).to.equal('ok');
            });
        });
    });

    describe('around the real client, over HTTP', () => {

        const scope: LoadBalancerScope = { projectId: 'tenant-1', region: null };

        it('a 503 with Retry-After holds the region: the next call sends no request', async () => {
            startNock();
            const clock = new ManualClock();
            const g = new GuardedOctavia(client({ clock }), { clock, defaultRegion: 'RegionOne' });
            try {
                expectProjectAuth('tenant-1', 'tok-1');
                nock(OCTAVIA).get('/v2/lbaas/pools/p1/members/m1').reply(503, fault('Service Unavailable'), { 'Retry-After': '30' });
                const first = await failure(g.showMember(scope, 'p1', 'm1'));
                expect([first.kind, first.retryAfterS]).to.equal(['unavailable', 30]);
                const held = await failure(g.deleteMember(scope, 'p1', 'm1'));
                expect([held.kind, held.retryAfterS]).to.equal(['held', 30]);
                expect(nock.pendingMocks()).to.equal([]);
            }
            finally {
                g.close();
                stopNock();
            }
        });

        it('400 and 409 answers, however many, leave the breaker closed; 500s open it and then nothing is sent', async () => {
            startNock();
            // 20 %: after six answers that do not count against Octavia, two 500s of eight calls open it.
            const g = new GuardedOctavia(client(), { breaker: { volumeThreshold: 2, errorThresholdPercentage: 20, resetTimeoutMs: 60_000 }, defaultRegion: 'RegionOne' });
            try {
                expectProjectAuth('tenant-1', 'tok-1');
                const pool = nock(OCTAVIA).get('/v2/lbaas/pools/p1').times(6).reply(200, { pool: rawPool('p1') });
                nock(OCTAVIA).post('/v2/lbaas/pools/p1/members')
                    .times(2).reply(409, fault('Load Balancer lb-1 is immutable and cannot be updated.'))
                    .post('/v2/lbaas/pools/p1/members').times(2).reply(409, fault('Another member on this pool is already using ip 10.0.0.1 on protocol_port 80'))
                    .post('/v2/lbaas/pools/p1/members').times(2).reply(400, fault('Invalid input for field/attribute protocol_port.'));
                expect(await Promise.all(Array.from({ length: 6 }, () => outcome(g.createMember(scope, 'p1', SPEC))))).to.equal(['busy', 'busy', 'refused', 'refused', 'refused', 'refused']);
                expect(pool.isDone()).to.be.true();
                expect(g.state(null).breaker).to.equal('closed');

                nock(OCTAVIA).put('/v2/lbaas/pools/p1/members/m1').times(2).reply(500, fault('Internal Server Error'));
                expect(await outcome(g.setWeight(scope, 'p1', 'm1', 0))).to.equal('server_error');
                expect(await outcome(g.setWeight(scope, 'p1', 'm1', 0))).to.equal('server_error');
                expect(g.state(null).breaker).to.equal('open');
                // No interceptor is left and the net is off: a request sent would be 'network'.
                expect(await outcome(g.setWeight(scope, 'p1', 'm1', 0))).to.equal('breaker_open');
                expect(nock.pendingMocks()).to.equal([]);
            }
            finally {
                g.close();
                stopNock();
            }
        });
    });
});
