// GuardedCompute around a fake Compute: the breaker per region, Retry-After
// holds per region, and the creation budget, counted at the inner port.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { GuardedCompute, type GuardedComputeOptions } from '../../adapters/nova/guarded-compute';
import { DEFAULT_BREAKER, regionBreaker } from '../../adapters/nova/region-breaker';
import { type Compute, type ComputeScope } from '../../core/ports/compute';
import { ComputeError, type ComputeErrorKind } from '../../core/model/server';
import { ManualClock } from '../simulator/helpers';
import { FakeCompute, Gate, outcome, sleep } from './guarded-support';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const A: ComputeScope = { projectId: 'p1', region: 'A' };
const B: ComputeScope = { projectId: 'p1', region: 'B' };

const failure = async (promise: Promise<unknown>): Promise<ComputeError> => {
    const err = await expect(promise).to.reject();
    expect(err).to.be.an.instanceof(ComputeError);
    return err as ComputeError;
};

const nova = (kind: ComputeErrorKind, retryAfterS: number | null = null): ComputeError => new ComputeError(kind, `fake ${kind}`, null, retryAfterS);

const allThree = (g: Compute, scope: ComputeScope): Promise<string>[] => [
    outcome(g.createServer(scope, {})), outcome(g.listServers(scope)), outcome(g.deleteServer(scope, 'x'))
];

// A guard per test, always closed (its breakers' timers with it).
const withGuard = async (options: GuardedComputeOptions, test: (g: GuardedCompute, fake: FakeCompute) => Promise<void>): Promise<void> => {
    const fake = new FakeCompute();
    const guard = new GuardedCompute(fake, options);
    try {
        await test(guard, fake);
    }
    finally {
        guard.close();
    }
};

describe('GuardedCompute', () => {

    describe('the breaker per region', () => {

        it('is named compute:<region>', () => {
            const breaker = regionBreaker('RegionOne', DEFAULT_BREAKER);
            expect(breaker.name).to.equal('compute:RegionOne');
            breaker.shutdown();
        });

        it('opens after the volume threshold of Nova failures, then fails fast as breaker_open without calling Nova', async () => {
            await withGuard({ breaker: { volumeThreshold: 5, resetTimeoutMs: 60_000 } }, async (g, fake) => {
                fake.answer = () => nova('server_error');
                for (let n = 0; n < 5; n++) {
                    expect((await failure(g.listServers(A))).kind).to.equal('server_error');
                }

                expect(g.state('A').breaker).to.equal('open');
                const results = await Promise.all([...allThree(g, A), ...allThree(g, A)]);
                expect(results).to.equal(Array(6).fill('breaker_open'));
                expect(fake.count()).to.equal(5);

                const err = await failure(g.listServers(A));
                expect(err.retryAfterS ?? 0).to.be.above(59);       // until the probe
                expect(err.retryAfterS ?? 0).to.be.at.most(60);
                expect(err.message).to.contain('breaker of A is open');
            });
        });

        it('opens on the outage, not on the history: a busy spell of successes does not buy a dead Nova more failures', async () => {
            await withGuard({ breaker: { volumeThreshold: 5, consecutiveFailures: 5, resetTimeoutMs: 60_000 } }, async (g, fake) => {
                fake.answer = () => null;
                for (let n = 0; n < 30; n++) {
                    await g.listServers(A);
                }

                // 30 good calls in the window: the share alone would need 30 failures.
                fake.answer = () => nova('server_error');
                for (let n = 0; n < 4; n++) {
                    await failure(g.listServers(A));
                }

                expect(g.state('A').breaker).to.equal('closed');
                await failure(g.listServers(A));
                expect(g.state('A').breaker).to.equal('open');
                expect(fake.count()).to.equal(35);
                expect((await failure(g.listServers(A))).kind).to.equal('breaker_open');
                expect(fake.count()).to.equal(35);
            });
        });

        it('counts only failures in a row: a good answer or a caller\'s mistake between them starts the count again', async () => {
            await withGuard({ breaker: { volumeThreshold: 100, consecutiveFailures: 3, resetTimeoutMs: 60_000 } }, async (g, fake) => {
                const answers: (ComputeError | null)[] = [
                    nova('server_error'), nova('network'), null,
                    nova('timeout'), nova('server_error'), nova('not_found'),
                    nova('unavailable'), nova('server_error')
                ];
                fake.answer = () => (answers.length > 0 ? answers.shift() ?? null : nova('server_error'));
                for (let n = 0; n < 8; n++) {
                    await outcome(g.listServers(A));
                }

                expect(g.state('A').breaker).to.equal('closed');
                await outcome(g.listServers(A));
                expect(g.state('A').breaker).to.equal('open');
            });
        });

        for (const kind of ['timeout', 'network', 'unavailable', 'over_limit'] as const) {
            it(`counts ${kind} as Nova failing`, async () => {
                await withGuard({ breaker: { volumeThreshold: 3, resetTimeoutMs: 60_000 } }, async (g, fake) => {
                    fake.answer = () => nova(kind);
                    await Promise.all([1, 2, 3].map(() => outcome(g.listServers(A))));
                    expect(g.state('A').breaker).to.equal('open');
                });
            });
        }

        it('never opens on the caller\'s errors (400, 401, 403, 404), and passes them through as they are', async () => {
            await withGuard({ breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 }, createBudget: { createsPerS: 1000, burst: 1000 } }, async (g, fake) => {
                const errors = (['bad_request', 'unauthorized', 'quota', 'not_found'] as const).map((k) => nova(k));
                fake.answer = () => errors[(fake.calls.length - 1) % errors.length] ?? null;
                for (let n = 0; n < 40; n++) {
                    const err = await failure(g.createServer(A, {}));
                    expect(err).to.shallow.equal(errors[n % errors.length]);
                }

                expect(fake.count()).to.equal(40);
                expect(g.state('A').breaker).to.equal('closed');
            });
        });

        it('does not count errors that are not ComputeErrors (a bug, not Nova) but lets them through', async () => {
            await withGuard({ breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } }, async (g, fake) => {
                const bug = new TypeError('bug');
                fake.answer = () => bug;
                for (let n = 0; n < 10; n++) {
                    expect(await expect(g.listServers(A)).to.reject()).to.shallow.equal(bug);
                }

                expect(g.state('A').breaker).to.equal('closed');
            });
        });

        it('lets a thrown non-Error through untouched', async () => {
            const odd = new FakeCompute();
            odd.listServers = () => Promise.reject('not an Error');
            const g = new GuardedCompute(odd);
            expect(await expect(g.listServers(A)).to.reject()).to.equal('not an Error');
            g.close();
        });

        it('half-open lets exactly one probe through however many call, and a good probe closes it', async () => {
            const changes: string[] = [];
            await withGuard({ breaker: { volumeThreshold: 1, resetTimeoutMs: 100 }, onBreakerChange: (r, s) => changes.push(`${r}:${s}`) }, async (g, fake) => {
                fake.answer = () => nova('unavailable');
                await outcome(g.listServers(A));
                expect(g.state('A').breaker).to.equal('open');
                await sleep(150);
                expect(g.state('A').breaker).to.equal('half_open');

                const probe = new Gate();
                fake.answer = () => probe.promise;
                const first = outcome(g.listServers(A));
                const others = await Promise.all(Array.from({ length: 20 }, () => outcome(g.listServers(A))));
                expect(others).to.equal(Array(20).fill('breaker_open'));
                probe.open();
                expect(await first).to.equal('ok');
                expect(fake.count()).to.equal(2);

                fake.answer = () => null;
                expect(await Promise.all(allThree(g, A))).to.equal(['ok', 'ok', 'ok']);
                expect(changes).to.equal(['A:open', 'A:half_open', 'A:closed']);
            });
        });

        it('a failed probe opens it again for another resetTimeout', async () => {
            await withGuard({ breaker: { volumeThreshold: 1, resetTimeoutMs: 100 } }, async (g, fake) => {
                fake.answer = () => nova('unavailable');
                await outcome(g.listServers(A));
                await sleep(150);
                expect(await outcome(g.listServers(A))).to.equal('unavailable');
                expect(g.state('A').breaker).to.equal('open');
                expect(await outcome(g.listServers(A))).to.equal('breaker_open');
                expect(fake.count()).to.equal(2);
            });
        });

        it('is per region: A open, B still called and answering', async () => {
            await withGuard({ breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } }, async (g, fake) => {
                fake.answer = (call) => (call.region === 'A' ? nova('server_error') : null);
                await outcome(g.listServers(A));
                await outcome(g.listServers(A));
                expect(await Promise.all(allThree(g, A))).to.equal(Array(3).fill('breaker_open'));
                expect(await Promise.all(allThree(g, B))).to.equal(['ok', 'ok', 'ok']);
                expect([g.state('A').breaker, g.state('B').breaker]).to.equal(['open', 'closed']);
                expect([fake.count(undefined, 'A'), fake.count(undefined, 'B')]).to.equal([2, 3]);
            });
        });

        it('close() shuts every breaker down; later calls are refused without calling Nova', async () => {
            const fake = new FakeCompute();
            const g = new GuardedCompute(fake);
            await g.listServers(A);
            await g.listServers(B);
            g.close();
            expect(await Promise.all([...allThree(g, A), outcome(g.listServers({ projectId: 'p', region: 'C' }))])).to.equal(Array(4).fill('breaker_open'));
            expect(fake.count()).to.equal(2);
            expect(g.state('A').breaker).to.equal('closed');  // forgotten: nothing left running
        });
    });

    describe('Retry-After', () => {

        for (const [kind, method] of [['unavailable', 'list'], ['over_limit', 'create']] as const) {
            it(`${kind} with Retry-After 5 on a ${method} holds every call to that region for 5 s, and no other region`, async () => {
                const clock = new ManualClock();
                await withGuard({ clock }, async (g, fake) => {
                    fake.answer = (call) => (call.region === 'A' && call.method === method && fake.count() === 1 ? nova(kind, 5) : null);
                    const first = await failure(method === 'list' ? g.listServers(A) : g.createServer(A, {}));
                    expect([first.kind, first.retryAfterS]).to.equal([kind, 5]);

                    const held = await failure(g.deleteServer(A, 'x'));
                    expect([held.kind, held.retryAfterS]).to.equal(['held', 5]);
                    expect(held.message).to.contain('Retry-After');
                    expect(await Promise.all(allThree(g, A))).to.equal(Array(3).fill('held'));
                    expect(await Promise.all(allThree(g, B))).to.equal(['ok', 'ok', 'ok']);

                    clock.advance(4_999);
                    expect((await failure(g.listServers(A))).retryAfterS).to.equal(0.001);
                    expect(g.state('A').heldForS).to.equal(0.001);
                    expect(fake.count(undefined, 'A')).to.equal(1);

                    clock.advance(1);
                    expect(await Promise.all(allThree(g, A))).to.equal(['ok', 'ok', 'ok']);
                    expect(fake.count(undefined, 'A')).to.equal(4);
                });
            });
        }

        it('a shorter Retry-After does not cut a longer hold short', async () => {
            const clock = new ManualClock();
            await withGuard({ clock }, async (g, fake) => {
                const gate = new Gate();
                fake.answer = (call) => (call.method === 'list' ? nova('over_limit', 30) : gate.promise);
                // Both sent before either answer came: the 30 s wait, then the 2 s one.
                const create = outcome(g.createServer(A, {}));
                expect(await outcome(g.listServers(A))).to.equal('over_limit');
                gate.fail(nova('unavailable', 2));
                expect(await create).to.equal('unavailable');
                clock.advance(10_000);
                expect((await failure(g.listServers(A))).retryAfterS).to.equal(20);
            });
        });

        it('holds nothing for a Retry-After of 0, or for a failure that names none', async () => {
            const clock = new ManualClock();
            await withGuard({ clock, breaker: { volumeThreshold: 100 } }, async (g, fake) => {
                const answers = [nova('unavailable', 0), nova('over_limit'), nova('server_error'), null];
                fake.answer = () => answers[fake.count() - 1] ?? null;
                expect(await Promise.all([1, 2, 3, 4].map(() => outcome(g.listServers(A))))).to.equal(['unavailable', 'over_limit', 'server_error', 'ok']);
                expect(g.state('A').heldForS).to.equal(0);
            });
        });

        it('a scope with no region is the default region: one hold for both spellings', async () => {
            const clock = new ManualClock();
            await withGuard({ clock, defaultRegion: 'RegionOne' }, async (g, fake) => {
                fake.answer = () => (fake.count() === 1 ? nova('unavailable', 5) : null);
                await outcome(g.listServers({ projectId: 'p1', region: null }));
                expect(await outcome(g.listServers({ projectId: 'p2', region: 'RegionOne' }))).to.equal('held');
                expect(g.state(null).heldForS).to.equal(5);
                expect(fake.count()).to.equal(1);
            });
        });
    });

    describe('the creation budget', () => {

        it('caps creates per second: the burst, then one per interval; held creates never reach Nova', async () => {
            const clock = new ManualClock();
            await withGuard({ clock, createBudget: { createsPerS: 2, burst: 2, maxInFlight: 100, maxWaitMs: 0 } }, async (g, fake) => {
                expect(await Promise.all([1, 2, 3].map(() => outcome(g.createServer(A, {}))))).to.equal(['ok', 'ok', 'held']);
                const err = await failure(g.createServer(A, {}));
                expect(err.retryAfterS).to.equal(0.5);
                expect(err.message).to.equal('Creation budget of A spent (2 creates/s)');

                // 10 s of callers every 50 ms: 2/s admitted, whatever the demand.
                let admitted = 0;
                for (let t = 0; t < 10_000; t += 50) {
                    clock.advance(50);
                    admitted += (await outcome(g.createServer(A, {}))) === 'ok' ? 1 : 0;
                }

                expect(admitted).to.equal(20);
                expect(fake.count('create')).to.equal(22);
            });
        });

        it('caps creates in flight, frees a slot on success or failure, and never holds lists or deletes', async () => {
            const clock = new ManualClock();
            await withGuard({ clock, createBudget: { createsPerS: 100, burst: 100, maxInFlight: 3, maxWaitMs: 0 } }, async (g, fake) => {
                const gates = [new Gate(), new Gate(), new Gate()];
                fake.answer = (call) => (call.method === 'create' ? gates[fake.count('create') - 1]?.promise ?? null : null);
                const creates = gates.map(() => outcome(g.createServer(A, {})));
                await sleep(0);
                expect(g.state('A').createsInFlight).to.equal(3);

                const over = await failure(g.createServer(A, {}));
                expect([over.kind, over.retryAfterS, over.message]).to.equal(['held', 0.01, 'Creation budget of A spent (3 creates in flight)']);
                expect(await Promise.all([outcome(g.listServers(A)), outcome(g.deleteServer(A, 'x'))])).to.equal(['ok', 'ok']);
                expect(await outcome(g.createServer(B, {}))).to.equal('ok');   // another region's budget

                gates[0]?.open();
                gates[1]?.fail(nova('server_error'));
                expect(await Promise.all(creates.slice(0, 2))).to.equal(['ok', 'server_error']);
                expect(g.state('A').createsInFlight).to.equal(1);
                expect(await Promise.all([1, 2, 3].map(() => outcome(g.createServer(A, {}))))).to.equal(['ok', 'ok', 'held']);

                gates[2]?.open();
                expect(await creates[2]).to.equal('ok');
                expect(fake.count('create', 'A')).to.equal(5);
            });
        });

        it('lets a create wait its turn, up to maxWaitMs, for a token or a slot in flight', async () => {
            await withGuard({ createBudget: { createsPerS: 20, burst: 1, maxInFlight: 100, maxWaitMs: 1000 } }, async (g, fake) => {
                const started = Date.now();
                expect(await Promise.all([1, 2, 3].map(() => outcome(g.createServer(A, {}))))).to.equal(['ok', 'ok', 'ok']);
                expect(Date.now() - started).to.be.at.least(90);      // two tokens at 20/s: 100 ms, less the timer's rounding
                expect(fake.count('create')).to.equal(3);
            });

            await withGuard({ createBudget: { createsPerS: 1, burst: 1, maxInFlight: 100, maxWaitMs: 30 } }, async (g, fake) => {
                expect(await outcome(g.createServer(A, {}))).to.equal('ok');
                const started = Date.now();
                const err = await failure(g.createServer(A, {}));
                expect(Date.now() - started).to.be.at.least(25);
                expect([err.kind, err.message]).to.equal(['held', 'Creation budget of A spent (1 creates/s)']);
                expect(fake.count('create')).to.equal(1);
            });

            await withGuard({ createBudget: { createsPerS: 100, burst: 100, maxInFlight: 1, maxWaitMs: 2000 } }, async (g, fake) => {
                const gate = new Gate();
                fake.answer = (call) => (call.method === 'create' && fake.count('create') === 1 ? gate.promise : null);
                const first = outcome(g.createServer(A, {}));
                const second = outcome(g.createServer(A, {}));
                await sleep(30);
                expect(fake.count('create')).to.equal(1);             // the second waits for the slot
                gate.open();
                expect(await Promise.all([first, second])).to.equal(['ok', 'ok']);
                expect(fake.count('create')).to.equal(2);
            });
        });

        it('spends no budget while the breaker is open or the region is held', async () => {
            const clock = new ManualClock();
            await withGuard({ clock, breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 }, createBudget: { createsPerS: 1, burst: 1, maxWaitMs: 0 } }, async (g, fake) => {
                fake.answer = (call) => (call.region === 'A' ? nova('server_error') : nova('unavailable', 3));
                await outcome(g.listServers(A));
                await outcome(g.listServers(A));
                await outcome(g.listServers(B));   // one failure: B's breaker stays closed, B is held
                expect(await outcome(g.createServer(A, {}))).to.equal('breaker_open');
                expect(await outcome(g.createServer(B, {}))).to.equal('held');
                fake.answer = () => null;
                clock.advance(3_000);
                // B's one token is still there: the held create did not take it.
                expect(await outcome(g.createServer(B, {}))).to.equal('ok');
                expect(fake.count('create')).to.equal(1);
                expect(g.state('A').breaker).to.equal('open');
            });
        });

        it('refuses a budget that could never admit', () => {
            expect(() => new GuardedCompute(new FakeCompute(), { createBudget: { maxInFlight: 0 } })).to.throw(RangeError, /maxInFlight/);
        });
    });
});
