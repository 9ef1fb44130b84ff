// GuardedCompute around the real NovaCompute, against the simulator over real
// HTTP: what reaches Nova during a full outage, Retry-After, caller 400s.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { NovaCompute } from '../../adapters/nova/compute';
import { GuardedCompute, type GuardedComputeOptions } from '../../adapters/nova/guarded-compute';
import { demoServerArgs } from './server-args';
import type { ComputeScope } from '../../core/ports/compute';
import { demoProjectId, demoServiceAccount, type Simulator, type SimulatorOptions } from '../../simulator';
import { ManualClock, withSim } from '../simulator/helpers';
import { CountingCompute, outcome, sleep } from './guarded-support';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const SCOPE: ComputeScope = { projectId: demoProjectId, region: null };



interface Rig {
    readonly sim: Simulator;
    readonly guarded: GuardedCompute;
    readonly counted: CountingCompute;
    readonly computeRequests: () => number;
}

const run = (simOptions: SimulatorOptions, options: GuardedComputeOptions, test: (rig: Rig) => Promise<void>): Promise<void> =>
    withSim(simOptions, async (sim) => {
        const counted = new CountingCompute(new NovaCompute(demoServiceAccount(sim), options.clock === undefined ? {} : { clock: options.clock }));
        const guarded = new GuardedCompute(counted, { defaultRegion: sim.region, ...options });
        try {
            await test({ sim, guarded, counted, computeRequests: () => sim.requests.filter((r) => r.service === 'compute').length });
        }
        finally {
            guarded.close();
        }
    });

describe('GuardedCompute against the simulator', () => {

    it('a full outage with 40 callers retrying every 10 ms: at most one request per resetTimeout once open, then recovery', async () => {
        const resetTimeoutMs = 250;
        const outageMs = 2_000;
        let openedAtMs = 0;
        const options: GuardedComputeOptions = {
            breaker: { volumeThreshold: 5, resetTimeoutMs },
            onBreakerChange: (_region, state) => {
                openedAtMs = state === 'open' && openedAtMs === 0 ? Date.now() : openedAtMs;
            }
        };
        await run({}, options, async ({ sim, guarded, counted, computeRequests }) => {
            await guarded.listServers(SCOPE);   // a token and a catalog before the outage: Keystone is not the subject here
            sim.clearRequests();
            counted.callsAtMs.length = 0;

            const tally: Record<string, number> = {};
            let stop = false;
            // The worst caller: ignores retryAfterS and comes back every 10 ms.
            const caller = async (): Promise<void> => {
                while (!stop) {
                    const result = await outcome(guarded.listServers(SCOPE));
                    tally[result] = (tally[result] ?? 0) + 1;
                    await sleep(10);
                }
            };

            sim.faults.outage(true);
            const startedMs = Date.now();
            const callers = Array.from({ length: 40 }, caller);
            await sleep(outageMs);
            const outageEndMs = Date.now();
            sim.faults.outage(false);
            const duringOutage = computeRequests();
            const seen = { ...tally };
            const attempts = Object.values(seen).reduce((a, b) => a + b, 0);

            // Recovery: the next probe gets through and closes the breaker.
            while (guarded.state(null).breaker !== 'closed' && Date.now() - outageEndMs < resetTimeoutMs + 1_000) {
                await sleep(10);
            }

            const recoveredMs = Date.now() - outageEndMs;
            const okBefore = tally.ok ?? 0;
            await sleep(100);
            stop = true;
            await Promise.all(callers);

            expect(openedAtMs).to.be.above(startedMs);
            // Once open: only the half-open probes, one per resetTimeout.
            const afterOpen = counted.callsAtMs.filter((t) => t > openedAtMs && t <= outageEndMs).length;
            const bound = Math.floor((outageEndMs - openedAtMs) / resetTimeoutMs) + 1;
            expect(afterOpen).to.be.at.most(bound);
            expect(afterOpen).to.be.at.least(1);
            // Before it opened: opossum opens when more than half the calls in its
            // window failed, and calls still in flight count as calls. With 40
            // callers at most 40 (+ the warm-up success) are not failures yet, so
            // it opens by 2 × 40 + 2 calls, whatever the timing.
            expect(duringOutage - afterOpen).to.be.at.most(2 * 40 + 2);
            // Every call that got past the guard is exactly one request to Nova;
            // every other attempt failed fast without one.
            expect(duringOutage).to.equal(counted.callsAtMs.filter((t) => t <= outageEndMs).length);
            expect(seen.ok).to.be.undefined();
            expect(seen.unavailable ?? 0).to.be.at.most(duringOutage);
            expect(seen.breaker_open ?? 0).to.be.at.least(attempts - duringOutage);
            expect(attempts).to.be.above(40 * 50);
            expect(duringOutage * 50).to.be.below(attempts);

            expect(guarded.state(null).breaker).to.equal('closed');
            expect(recoveredMs).to.be.at.most(resetTimeoutMs + 200);
            expect((tally.ok ?? 0) - okBefore).to.be.at.least(40);   // every caller succeeds again
        });
    });

    it('caller 400s never open the breaker: every bad create reaches Nova, and a good one follows', async () => {
        await run({}, { breaker: { volumeThreshold: 3, resetTimeoutMs: 60_000 }, createBudget: { createsPerS: 1000, burst: 1000 } }, async ({ sim, guarded }) => {
            const bad = await Promise.all(Array.from({ length: 20 }, (_, n) => outcome(guarded.createServer(SCOPE, demoServerArgs(n, { imageRef: '00000000-0000-0000-0000-000000000000' })))));
            expect(bad).to.equal(Array(20).fill('bad_request'));
            expect(sim.requests.filter((r) => r.service === 'compute' && r.method === 'POST' && r.status === 400).length).to.equal(20);
            expect(guarded.state(null).breaker).to.equal('closed');

            await guarded.createServer(SCOPE, demoServerArgs(99));
            expect(sim.servers(demoProjectId).length).to.equal(1);
        });
    });

    it('503 with Retry-After 5: no request to the region for 5 s, whatever is asked; then calls go again', async () => {
        const clock = new ManualClock();
        await run({ now: clock.now }, { clock }, async ({ sim, guarded, computeRequests }) => {
            sim.faults.add({ service: 'compute', method: 'GET', path: '/servers/detail', status: 503, headers: { 'Retry-After': '5' }, times: 1 });
            expect(await outcome(guarded.listServers(SCOPE))).to.equal('unavailable');
            expect(computeRequests()).to.equal(1);

            for (let s = 0; s < 5; s++) {
                const results = await Promise.all([
                    outcome(guarded.createServer(SCOPE, demoServerArgs(s))), outcome(guarded.listServers(SCOPE)),
                    outcome(guarded.deleteServer(SCOPE, 'x'))
                ]);
                expect(results).to.equal(['held', 'held', 'held']);
                clock.advance(s === 4 ? 999 : 1_000);
            }

            expect(guarded.state(null).heldForS).to.equal(0.001);
            expect(computeRequests()).to.equal(1);

            clock.advance(1);
            expect(await guarded.listServers(SCOPE)).to.equal([]);
            await guarded.createServer(SCOPE, demoServerArgs(9));
            expect(sim.requests.filter((r) => r.service === 'compute').map((r) => `${r.method} ${r.status}`)).to.equal(['GET 503', 'GET 200', 'POST 202']);
        });
    });

    it('413 with Retry-After on a create holds the listing too (every compute call to the region)', async () => {
        const clock = new ManualClock();
        await run({ now: clock.now }, { clock }, async ({ sim, guarded, computeRequests }) => {
            sim.faults.add({ service: 'compute', method: 'POST', path: '/servers', status: 413, headers: { 'Retry-After': '9' }, times: 1 });
            expect(await outcome(guarded.createServer(SCOPE, demoServerArgs(1)))).to.equal('over_limit');
            clock.advance(8_000);
            expect(await outcome(guarded.listServers(SCOPE))).to.equal('held');
            expect(guarded.state(null).heldForS).to.equal(1);
            expect(computeRequests()).to.equal(1);
            clock.advance(1_000);
            expect(await outcome(guarded.listServers(SCOPE))).to.equal('ok');
            expect(computeRequests()).to.equal(2);
        });
    });
});
