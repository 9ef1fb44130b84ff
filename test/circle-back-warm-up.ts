// Circle-back warm-up (contract §6) against the simulator with a 5 s build
// delay and cooldown 0: a held CRITICAL makes its next attempt only once the
// servers the previous attempt asked for are in service, and the cooldown has
// passed since then. Once through the in-process alert API, once through an
// Alertmanager notification on a capability URL, each on the test's clock;
// then once more in real time, every loop on its own timers.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../core/ports/clock';
import { withRig, type Rig } from './support/converge';
import { firing } from './capability-support';
import { field } from './support/server';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

// The least wait between two attempts of an episode (alerts.minDelayMs' default).
const floorMs = 1000;
// The acceptance's build delay, in the simulator itself (not a fake Compute).
const buildDelayMs = 5000;
const sim = { buildDelayMs };

const upByOne = async (rig: Rig, groupId: string): Promise<string> => {
    const res = await rig.api('POST', `/${rig.tenant}/groups/${groupId}/policies`, [{ name: 'up', cooldown: 0, type: 'webhook', change: 1 }]);
    expect(res.statusCode, res.payload).to.equal(201);
    return String(field(res.result, 'policies', 0, 'id'));
};

const desired = async (rig: Rig, groupId: string): Promise<number> => Number((await rig.state(groupId)).desiredCapacity);

const circleBacks = async (rig: Rig, groupId: string): Promise<number> =>
    (await rig.activity(groupId)).filter((r) => r.reason === 'circle_back').length;

// The loop's round at the rig's clock, as its timer would run it.
const round = (rig: Rig) => rig.server.plugins['nova-autoscale'].runOnce(rig.clock.now());

// Attempt 1 made desired 1: no second attempt while its server builds, none
// at the moment it is in service, one a cooldown (the floor, here) after.
const expectWarmUp = async (rig: Rig, groupId: string): Promise<void> => {
    expect(await desired(rig, groupId)).to.equal(1);
    await rig.converge(groupId);                        // the server is created: BUILD
    for (const ms of [floorMs, buildDelayMs / 2]) {
        rig.clock.advance(ms);
        expect((await round(rig)).attempts).to.equal(0);
    }

    rig.clock.advance(buildDelayMs);
    await rig.converge(groupId);                        // ACTIVE: in service
    expect((await rig.state(groupId)).activeCapacity).to.equal(1);
    expect((await round(rig)).attempts).to.equal(0);    // the cooldown starts now
    rig.clock.advance(floorMs - 1);
    expect((await round(rig)).attempts).to.equal(0);
    rig.clock.advance(1);
    expect((await round(rig)).attempts).to.equal(1);
    expect(await desired(rig, groupId)).to.equal(2);
    expect(await circleBacks(rig, groupId)).to.equal(1);
};

// An Alertmanager notification, firing, on a new webhook's capability URL.
const fire = async (rig: Rig, groupId: string, policyId: string, at: Date): Promise<void> => {
    const hooks = await rig.api('POST', `/${rig.tenant}/groups/${groupId}/policies/${policyId}/webhooks`, [{ name: 'am' }]);
    const capability = String((field(hooks.result, 'webhooks', 0, 'links') as { href: string; rel: string }[]).find((l) => l.rel === 'capability')?.href);
    const res = await rig.server.inject({
        method: 'POST', url: new URL(capability).pathname, payload: firing(`{}:{alertname="HighLoad"}-${randomUUID()}`, [at.toISOString()]),
        headers: { 'content-type': 'application/json' }
    });
    expect(res.statusCode).to.equal(202);
};

describe('circle-back warm-up (simulator, 5 s build delay, cooldown 0)', () => {

    it('waits for the previous attempt\'s servers to be in service before the next attempt (in-process alert)', async () => {
        await withRig({ sim, plugin: { alerts: { intervalMs: 0, pruneIntervalMs: 0, minDelayMs: floorMs } } }, async (rig) => {
            const groupId = await rig.createGroup({ cooldown: 0 });
            const policyId = await upByOne(rig, groupId);
            const outcome = await rig.server.plugins['nova-autoscale'].alertTransition({
                tenantId: rig.tenant, ruleId: 'cpu', eventId: randomUUID(), at: rig.clock.now(), from: 'OK', to: 'CRITICAL', actions: [{ type: 'autoscale', groupId, policyId }]
            });
            expect(outcome.triggers.map((t) => t.outcome)).to.equal(['accepted']);
            await expectWarmUp(rig, groupId);
        });
    });

    it('does the same for an Alertmanager notification on a capability URL', async () => {
        await withRig({ sim, plugin: { alerts: { intervalMs: 0, pruneIntervalMs: 0, minDelayMs: floorMs } } }, async (rig) => {
            const groupId = await rig.createGroup({ cooldown: 0 });
            const policyId = await upByOne(rig, groupId);
            await fire(rig, groupId, policyId, rig.clock.now());
            await expectWarmUp(rig, groupId);
        });
    });

    it('holds in real time: the loops on their own timers, the build the simulator\'s own 5 s', { timeout: 30_000 }, async () => {
        // The plugin's defaults but the sweep: the converger's kick and rechecks, the circle-back loop each second.
        const plugin = { clock: systemClock, converger: { orphanGraceS: 60, stormGuard: false as const }, alerts: { pruneIntervalMs: 0 } };
        await withRig({ sim: { ...sim, now: () => new Date() }, plugin }, async (rig) => {
            const groupId = await rig.createGroup({ cooldown: 0 });
            const policyId = await upByOne(rig, groupId);
            const started = Date.now();
            await fire(rig, groupId, policyId, new Date());

            // Each read: how long since the firing, the servers in service, and desired capacity.
            const seen: { ms: number; active: number; desired: number }[] = [];
            while (Date.now() - started < 20_000 && (seen[seen.length - 1]?.desired ?? 0) < 2) {
                const state = await rig.state(groupId);
                seen.push({ ms: Date.now() - started, active: Number(state.activeCapacity), desired: Number(state.desiredCapacity) });
                await sleep(50);
            }

            const inService = seen.find((s) => s.active >= 1);
            const second = seen.find((s) => s.desired >= 2);
            expect(inService, JSON.stringify(seen.slice(-3))).to.exist();
            expect(second, JSON.stringify(seen.slice(-3))).to.exist();
            expect(inService?.ms ?? 0).to.be.at.least(buildDelayMs);                      // the build took its time
            expect(seen.filter((s) => s.active === 0).every((s) => s.desired === 1)).to.be.true();
            expect(second?.ms ?? 0).to.be.above(inService?.ms ?? Infinity);               // the next attempt only once it served
            expect(await circleBacks(rig, groupId)).to.equal(1);
        });
    });
});
