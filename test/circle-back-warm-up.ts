// Circle-back warm-up (contract §6) against the simulator with a build delay
// and cooldown 0: a held CRITICAL makes its next attempt only once the
// servers the previous attempt asked for are in service, and the cooldown has
// passed since then. Once through the in-process alert API, once through an
// Alertmanager notification on a capability URL.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { randomUUID } from 'node:crypto';
import { buildDelayMs, withRig, type Rig } from './support/converge';
import { firing } from './capability-support';
import { field } from './support/server';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

// The least wait between two attempts of an episode (alerts.minDelayMs' default).
const floorMs = 1000;

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

describe('circle-back warm-up (simulator, build delay, cooldown 0)', () => {

    it('waits for the previous attempt\'s servers to be in service before the next attempt (in-process alert)', async () => {
        await withRig({ plugin: { alerts: { intervalMs: 0, pruneIntervalMs: 0, minDelayMs: floorMs } } }, async (rig) => {
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
        await withRig({ plugin: { alerts: { intervalMs: 0, pruneIntervalMs: 0, minDelayMs: floorMs } } }, async (rig) => {
            const groupId = await rig.createGroup({ cooldown: 0 });
            const policyId = await upByOne(rig, groupId);
            const hooks = await rig.api('POST', `/${rig.tenant}/groups/${groupId}/policies/${policyId}/webhooks`, [{ name: 'am' }]);
            const capability = String((field(hooks.result, 'webhooks', 0, 'links') as { href: string; rel: string }[]).find((l) => l.rel === 'capability')?.href);
            const res = await rig.server.inject({
                method: 'POST', url: new URL(capability).pathname, payload: firing(`{}:{alertname="HighLoad"}-${randomUUID()}`, [rig.clock.now().toISOString()]),
                headers: { 'content-type': 'application/json' }
            });
            expect(res.statusCode).to.equal(202);
            await expectWarmUp(rig, groupId);
        });
    });
});
