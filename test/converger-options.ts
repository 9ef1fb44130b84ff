// The compute breaker and the creation budget as plugin options
// (converger.breaker, converger.createBudget): their defaults, their bounds
// refused at register naming the field, the storm guard's region rate that
// follows the budget, and both obeyed against the simulator over real HTTP.
import * as Code from '@hapi/code';
import Hapi from '@hapi/hapi';
import * as Lab from '@hapi/lab';
import { DEFAULT_BREAKER } from '../adapters/nova/region-breaker';
import { DEFAULT_CREATE_BUDGET } from '../adapters/nova/budget';
import { DEFAULT_STORM_GUARD } from '../core/converge/storm-guard';
import { plugin, type PluginOptions } from '../plugin';
import { settingsOf } from '../plugin/options';
import { withRig, type Rig } from './support/converge';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

// What test/support/converge.ts sets, repeated because `plugin.converger` replaces the whole object.
const rigConverger = { recheckMs: 0, orphanGraceS: 60, backoffBaseMs: 0, stormGuard: false as const };

const posts = (rig: Rig): number =>
    rig.sim.requests.filter((r) => r.service === 'compute' && r.method === 'POST' && r.path === '/servers').length;

describe('converger options: breaker and creation budget', () => {

    it('resolves the defaults of the breaker, the budget, and the storm guard rate from the budget', () => {
        const { converger } = settingsOf({});
        expect(converger.breaker).to.equal(DEFAULT_BREAKER);
        expect(converger.createBudget).to.equal(DEFAULT_CREATE_BUDGET);
        expect(converger.stormGuard).to.equal({ ...DEFAULT_STORM_GUARD, regionCreatesPerS: DEFAULT_CREATE_BUDGET.createsPerS });
    });

    it('keeps the defaults of the fields a host leaves out', () => {
        const { converger } = settingsOf({ converger: { breaker: { volumeThreshold: 2 }, createBudget: { burst: 3 } } });
        expect(converger.breaker).to.equal({ ...DEFAULT_BREAKER, volumeThreshold: 2 });
        expect(converger.createBudget).to.equal({ ...DEFAULT_CREATE_BUDGET, burst: 3 });
    });

    it('sets the storm guard rate to the budget rate unless the host sets it; false stays off', () => {
        const rate = (converger: NonNullable<PluginOptions['converger']>) => {
            const guard = settingsOf({ converger }).converger.stormGuard;
            return guard === false ? false : guard.regionCreatesPerS;
        };

        expect(rate({ createBudget: { createsPerS: 3 } })).to.equal(3);
        expect(rate({ createBudget: { createsPerS: 3 }, stormGuard: { shareThreshold: 0.2 } })).to.equal(3);
        expect(rate({ createBudget: { createsPerS: 3 }, stormGuard: { regionCreatesPerS: 7 } })).to.equal(7);
        expect(rate({ stormGuard: { minWanting: 4 } })).to.equal(DEFAULT_CREATE_BUDGET.createsPerS);
        expect(rate({ createBudget: { createsPerS: 3 }, stormGuard: false })).to.be.false();
        expect(settingsOf({ converger: { stormGuard: { shareThreshold: 0.2 } } }).converger.stormGuard)
            .to.include({ shareThreshold: 0.2, minWanting: DEFAULT_STORM_GUARD.minWanting });
    });

    it('refuses a bad value at register with a joi error naming the field', async () => {
        const bad: [NonNullable<PluginOptions['converger']>, string][] = [
            [{ createBudget: { createsPerS: 0 } }, 'converger.createBudget.createsPerS'],
            [{ createBudget: { createsPerS: -1 } }, 'converger.createBudget.createsPerS'],
            [{ createBudget: { burst: 0 } }, 'converger.createBudget.burst'],
            [{ createBudget: { burst: 1.5 } }, 'converger.createBudget.burst'],
            [{ createBudget: { maxInFlight: 0 } }, 'converger.createBudget.maxInFlight'],
            [{ createBudget: { maxWaitMs: -1 } }, 'converger.createBudget.maxWaitMs'],
            [{ breaker: { errorThresholdPercentage: 100 } }, 'converger.breaker.errorThresholdPercentage'],
            [{ breaker: { errorThresholdPercentage: -1 } }, 'converger.breaker.errorThresholdPercentage'],
            [{ breaker: { volumeThreshold: 0 } }, 'converger.breaker.volumeThreshold'],
            [{ breaker: { resetTimeoutMs: 0 } }, 'converger.breaker.resetTimeoutMs'],
            [{ breaker: { resetTimeoutMs: 2 ** 31 } }, 'converger.breaker.resetTimeoutMs'],
            [{ breaker: { rollingCountTimeoutMs: 99 } }, 'converger.breaker.rollingCountTimeoutMs'],
            [{ breaker: { consecutiveFailures: 0 } }, 'converger.breaker.consecutiveFailures'],
            [{ stormGuard: { regionCreatesPerS: 0 } }, 'converger.stormGuard.regionCreatesPerS'],
            [{ parallelGroups: 0 }, 'converger.parallelGroups'],
            [{ parallelGroups: 101 }, 'converger.parallelGroups'],
            [{ sweepBatch: 0 }, 'converger.sweepBatch']
        ];
        for (const [converger, field] of bad) {
            const server = Hapi.server();
            await expect(server.register({ plugin, options: { converger } }), JSON.stringify(converger))
                .to.reject(Error, new RegExp(`^nova-autoscale options: .*"${field.replace(/\./g, '\\.')}"`));
        }
    });

    it('a configured creation budget is obeyed: creates reach Nova at its rate, never faster', async () => {
        const budget = { createsPerS: 0.5, burst: 1, maxInFlight: 5, maxWaitMs: 0 };   // the rig's clock is a manual one: no wait
        await withRig({ plugin: { converger: { ...rigConverger, createBudget: budget } } }, async (rig) => {
            const groupId = await rig.createGroup();
            await rig.scaleTo(groupId, 4);
            // One converge a second for 10 s: by second t, at most burst + t · rate creates were sent.
            const seen: number[] = [];
            for (let s = 0; s <= 10; s++) {
                await rig.converge(groupId);
                seen.push(posts(rig));
                expect(posts(rig), `after ${s} s`).to.be.at.most(budget.burst + Math.floor(s * budget.createsPerS));
                rig.clock.advance(1000);
            }

            // The default budget (burst 10) would have sent all four at once.
            expect(seen[0]).to.equal(1);
            expect(seen[10]).to.equal(4);
            expect(rig.ours(groupId)).to.have.length(4);
            expect((await rig.activity(groupId)).some((a) => a.reason === 'held')).to.be.true();
        });
    });

    it('a configured breaker threshold opens the breaker after that many calls, and nothing more is sent', async () => {
        const failing = async (volumeThreshold: number): Promise<{ sent: number; reasons: string[] }> => {
            let result = { sent: 0, reasons: [] as string[] };
            await withRig({
                plugin: { converger: { ...rigConverger, concurrency: 1, breaker: { volumeThreshold, consecutiveFailures: 50, resetTimeoutMs: 600_000 } } }
            }, async (rig) => {
                rig.sim.faults.add({ service: 'compute', method: 'POST', path: '/servers', status: 500 });
                const groupId = await rig.createGroup();
                await rig.scaleTo(groupId, 6);
                await rig.converge(groupId);
                await rig.converge(groupId);
                result = { sent: posts(rig), reasons: (await rig.activity(groupId)).map((a) => a.reason) };
            });
            return result;
        };

        // One listing (a success) and then failing creates, one at a time: with
        // a volume of 2 the second failure makes 2 of 3 calls (more than 50 %).
        const low = await failing(2);
        expect(low.sent).to.equal(2);
        expect(low.reasons).to.include('breaker_open');
        // A threshold above the group's calls (and failures in a row above them too): every create reaches Nova.
        const high = await failing(50);
        expect(high.sent).to.equal(6);
        expect(high.reasons).to.not.include('breaker_open');
    });
});
