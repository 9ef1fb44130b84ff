// More of the converger's scenarios against the simulator over real HTTP:
// stuck builds, a 401 once, plain 500s, Retry-After, a full outage, the
// kill-switch modes and pause. Each counts the group's servers exactly at
// every poll, never above the maximum and never below what is safe.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { setTimeout as sleep } from 'node:timers/promises';
import { GuardedCompute } from '../adapters/nova/guarded-compute';
import { NovaCompute } from '../adapters/nova/compute';
import { DEFAULT_BREAKER } from '../adapters/nova/region-breaker';
import type { RequestLogEntry } from '../simulator';
import { buildDelayMs, statuses, withRig, type Rig } from './support/converge';
import { field } from './support/server';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const shortBuildTimeout = { intervals: { convergeS: 3600, buildTimeoutS: 60 } };

const compute = (rig: Rig, method?: string): RequestLogEntry[] =>
    rig.sim.requests.filter((r) => r.service === 'compute' && (method === undefined || r.method === method));

const repeat = <T>(value: T, n: number): T[] => Array.from({ length: n }, () => value);

// One poll: the group's servers are exactly these (sorted statuses), never above max.
const expectServers = (rig: Rig, groupId: string, expected: readonly string[], max: number): void => {
    const ours = rig.ours(groupId);
    expect(ours.length).to.be.at.most(max);
    expect(statuses(ours)).to.equal([...expected].sort());
};

// A group at `n` ACTIVE servers.
const settled = async (rig: Rig, n: number, config: Record<string, unknown> = {}): Promise<string> => {
    const groupId = await rig.createGroup(config);
    await rig.scaleTo(groupId, n);
    await rig.converge(groupId);
    rig.clock.advance(buildDelayMs);
    expect((await rig.converge(groupId)).outcome).to.equal('done');
    expect(statuses(rig.ours(groupId))).to.equal(repeat('ACTIVE', n));
    return groupId;
};

// Execute a new policy to `desired`, whatever the answer.
const execute = async (rig: Rig, groupId: string, desired: number): Promise<{ statusCode: number; reason: unknown }> => {
    const created = await rig.api('POST', `/${rig.tenant}/groups/${groupId}/policies`, [{ name: `to-${desired}-${Math.random().toString(16).slice(2, 8)}`, cooldown: 0, type: 'webhook', desiredCapacity: desired }]);
    expect(created.statusCode).to.equal(201);
    const res = await rig.api('POST', `/${rig.tenant}/groups/${groupId}/policies/${String(field(created.result, 'policies', 0, 'id'))}/execute`);
    return { statusCode: res.statusCode, reason: field(res.result, 'error', 'details', 'reason') };
};

// The most compute calls a full outage can cost before the region's breaker
// opens: it opens once at least volumeThreshold calls were made in its rolling
// window (10 s of real time) and more than half of them failed, so the calls
// that succeeded just before the outage (all still in the window: the test
// takes far less than 10 s to get there) each buy one more failed call.
const outageBound = (rig: Rig): number => {
    const succeeded = compute(rig).filter((r) => r.status >= 200 && r.status < 300).length;
    return Math.max(DEFAULT_BREAKER.volumeThreshold, succeeded + 1);
};

const convergerRows = async (rig: Rig, groupId: string) => (await rig.activity(groupId)).filter((a) => a.source === 'converger');

describe('converge: more faults', () => {

    it('deletes and replaces a server stuck in BUILD past the build timeout, never above max', async () => {
        await withRig({ sim: { deleteDelayMs: 5000 }, plugin: shortBuildTimeout }, async (rig) => {
            const groupId = await rig.createGroup({ maxEntities: 3 });
            await rig.scaleTo(groupId, 3);
            await rig.converge(groupId);
            expectServers(rig, groupId, ['BUILD', 'BUILD', 'BUILD'], 3);
            const stuck = String(rig.ours(groupId)[0]?.id);
            expect(rig.sim.setServerStatus(stuck, 'BUILD')).to.be.true();

            rig.clock.advance(buildDelayMs);
            expect((await rig.converge(groupId)).outcome).to.equal('wait');
            expectServers(rig, groupId, ['ACTIVE', 'ACTIVE', 'BUILD'], 3);
            expect(rig.ours(groupId).find((s) => s.status === 'BUILD')?.id).to.equal(stuck);

            rig.clock.advance(60_000 - buildDelayMs - 1);   // 1 ms short of the timeout: still waited for
            expect((await rig.converge(groupId)).outcome).to.equal('wait');
            expectServers(rig, groupId, ['ACTIVE', 'ACTIVE', 'BUILD'], 3);
            expect(compute(rig, 'DELETE')).to.have.length(0);

            rig.clock.advance(1);   // timed out: deleted; the replacement waits until it is gone (max 3)
            await rig.converge(groupId);
            expectServers(rig, groupId, ['ACTIVE', 'ACTIVE', 'DELETING'], 3);
            expect(compute(rig, 'DELETE').map((r) => r.path)).to.equal([`/servers/${stuck}`]);
            expect(compute(rig, 'POST')).to.have.length(3);

            rig.clock.advance(2000);
            await rig.converge(groupId);
            expectServers(rig, groupId, ['ACTIVE', 'ACTIVE', 'DELETING'], 3);
            expect(compute(rig, 'POST')).to.have.length(3);

            rig.clock.advance(3000);
            await rig.converge(groupId);
            expectServers(rig, groupId, ['ACTIVE', 'ACTIVE', 'BUILD'], 3);
            expect(rig.ours(groupId).map((s) => s.id)).to.not.include(stuck);

            rig.clock.advance(buildDelayMs);
            expect((await rig.converge(groupId)).outcome).to.equal('done');
            expectServers(rig, groupId, ['ACTIVE', 'ACTIVE', 'ACTIVE'], 3);
            expect(compute(rig, 'POST')).to.have.length(4);
            expect(compute(rig, 'DELETE')).to.have.length(1);
            const rows = await convergerRows(rig, groupId);
            expect(rows.filter((a) => a.kind === 'delete').map((a) => a.reason)).to.equal(['build_timeout']);
            expect(await rig.state(groupId)).to.include({ activeCapacity: 3, pendingCapacity: 0, status: 'ACTIVE' });
        });
    });

    it('re-authenticates once on a 401 and carries on, with no error status', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 2);
            rig.sim.deleteServerOutOfBand(String(rig.ours(groupId)[0]?.id));
            expectServers(rig, groupId, ['ACTIVE'], 10);
            rig.sim.clearRequests();
            rig.sim.faults.add({ service: 'compute', status: 401, times: 1 });

            expect((await rig.converge(groupId)).outcome).to.equal('wait');
            expectServers(rig, groupId, ['ACTIVE', 'BUILD'], 10);
            expect(compute(rig).filter((r) => r.status === 401)).to.have.length(1);
            expect(rig.sim.requests.filter((r) => r.service === 'identity' && r.method === 'POST' && r.path === '/auth/tokens')).to.have.length(1);
            expect(compute(rig, 'POST').map((r) => r.status)).to.equal([202]);
            const [refused] = compute(rig);
            expect(refused?.status).to.equal(401);
            expect(compute(rig)[1]).to.include({ method: refused?.method, path: refused?.path, status: 200 });   // the same call, again

            rig.clock.advance(buildDelayMs);
            expect((await rig.converge(groupId)).outcome).to.equal('done');
            expectServers(rig, groupId, ['ACTIVE', 'ACTIVE'], 10);
            expect(await rig.state(groupId)).to.include({ status: 'ACTIVE', errors: [], activeCapacity: 2 });
            expect((await convergerRows(rig, groupId)).filter((a) => a.outcome === 'failed')).to.equal([]);
        });
    });

    it('retries creates answered a plain 500 on later runs until the group converges, with no duplicates', async () => {
        await withRig({ plugin: shortBuildTimeout }, async (rig) => {
            const groupId = await rig.createGroup({ maxEntities: 2 });
            rig.sim.faults.add({ service: 'compute', method: 'POST', path: '/servers', status: 500, times: 3 });
            await rig.scaleTo(groupId, 2);   // the kicked run: both creates answered 500, nothing made
            expect((await rig.converge(groupId)).outcome).to.equal('wait');
            expectServers(rig, groupId, [], 2);
            expect(compute(rig, 'POST').map((r) => r.status)).to.equal([500, 500]);
            expect(await rig.state(groupId)).to.include({ status: 'ACTIVE', activeCapacity: 0, pendingCapacity: 2 });

            // A 500 may have made the server: its intent counts as pending until the build timeout.
            rig.clock.advance(30_000);
            await rig.converge(groupId);
            expectServers(rig, groupId, [], 2);
            expect(compute(rig, 'POST')).to.have.length(2);

            rig.clock.advance(30_000);   // timed out: both retired, both tried again; one more 500
            expect((await rig.converge(groupId)).outcome).to.equal('failed');
            expectServers(rig, groupId, ['BUILD'], 2);
            expect(compute(rig, 'POST').map((r) => r.status).sort()).to.equal([202, 500, 500, 500]);

            rig.clock.advance(buildDelayMs);
            await rig.converge(groupId);
            expectServers(rig, groupId, ['ACTIVE'], 2);
            expect(compute(rig, 'POST')).to.have.length(4);

            rig.clock.advance(60_000 - buildDelayMs);
            expect((await rig.converge(groupId)).outcome).to.equal('wait');
            expectServers(rig, groupId, ['ACTIVE', 'BUILD'], 2);

            rig.clock.advance(buildDelayMs);
            expect((await rig.converge(groupId)).outcome).to.equal('done');
            expectServers(rig, groupId, ['ACTIVE', 'ACTIVE'], 2);
            expect(compute(rig, 'POST').map((r) => r.status).sort()).to.equal([202, 202, 500, 500, 500]);
            const intents = rig.ours(groupId).map((s) => s.metadata['autoscale:intent_id']);
            expect(new Set(intents).size).to.equal(2);

            const rows = await convergerRows(rig, groupId);
            expect(rows.filter((a) => a.kind === 'create' && a.outcome === 'failed').map((a) => a.reason)).to.equal(['server_error', 'server_error', 'server_error']);
            expect(rows.filter((a) => a.kind === 'retire').map((a) => a.reason)).to.equal(['create_lost', 'create_lost', 'create_lost']);
            expect(await rig.state(groupId)).to.include({ status: 'ACTIVE', errors: [], activeCapacity: 2, pendingCapacity: 0 });
        });
    });

    it('obeys a Retry-After on the listing: no compute call before 30 s of the clock, then exact recovery', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 2);
            rig.sim.deleteServerOutOfBand(String(rig.ours(groupId)[0]?.id));
            rig.sim.clearRequests();
            rig.sim.faults.add({ service: 'compute', method: 'GET', path: '/servers/detail', status: 503, headers: { 'Retry-After': '30' }, times: 1 });

            expect((await rig.converge(groupId)).outcome).to.equal('hold');
            expectServers(rig, groupId, ['ACTIVE'], 10);
            const [refused] = compute(rig);
            expect(compute(rig)).to.have.length(1);
            expect(refused?.status).to.equal(503);

            for (const ms of [10_000, 10_000, 9_999]) {
                rig.clock.advance(ms);
                expect((await rig.converge(groupId)).outcome).to.equal('hold');
                expectServers(rig, groupId, ['ACTIVE'], 10);
                expect(compute(rig)).to.have.length(1);
            }

            const hold = (await convergerRows(rig, groupId)).find((a) => a.kind === 'hold');
            expect(hold).to.include({ reason: 'listing_unknown' });
            expect(hold?.message).to.match(/Retry-After/);

            rig.clock.advance(1);
            expect((await rig.converge(groupId)).outcome).to.equal('wait');
            expectServers(rig, groupId, ['ACTIVE', 'BUILD'], 10);
            const since = refused?.at.getTime() ?? 0;
            expect(compute(rig).slice(1).every((r) => r.at.getTime() >= since + 30_000)).to.be.true();
            expect(compute(rig, 'POST')).to.have.length(1);

            rig.clock.advance(buildDelayMs);
            expect((await rig.converge(groupId)).outcome).to.equal('done');
            expectServers(rig, groupId, ['ACTIVE', 'ACTIVE'], 10);
        });
    });

    it('obeys a Retry-After on a create: no compute call for 30 s, no duplicate once it is over', async () => {
        await withRig({ plugin: shortBuildTimeout }, async (rig) => {
            const groupId = await settled(rig, 2, { maxEntities: 2 });
            rig.sim.deleteServerOutOfBand(String(rig.ours(groupId)[0]?.id));
            rig.sim.clearRequests();
            rig.sim.faults.add({ service: 'compute', method: 'POST', path: '/servers', status: 503, headers: { 'Retry-After': '30' }, times: 1 });

            expect((await rig.converge(groupId)).outcome).to.equal('failed');
            expectServers(rig, groupId, ['ACTIVE'], 2);
            const refused = compute(rig, 'POST')[0];
            expect(refused?.status).to.equal(503);
            const sent = compute(rig).length;

            rig.clock.advance(29_999);
            expect((await rig.converge(groupId)).outcome).to.equal('hold');
            expectServers(rig, groupId, ['ACTIVE'], 2);
            expect(compute(rig)).to.have.length(sent);

            // The hold is over; a 503 may have made the server, so its intent waits for the build timeout.
            rig.clock.advance(1);
            expect((await rig.converge(groupId)).outcome).to.equal('wait');
            expectServers(rig, groupId, ['ACTIVE'], 2);
            expect(compute(rig, 'POST')).to.have.length(1);

            rig.clock.advance(30_000);
            expect((await rig.converge(groupId)).outcome).to.equal('wait');
            expectServers(rig, groupId, ['ACTIVE', 'BUILD'], 2);
            expect(compute(rig, 'POST').map((r) => r.status)).to.equal([503, 202]);
            const since = refused?.at.getTime() ?? 0;
            const after = compute(rig).slice(compute(rig).findIndex((r) => r === refused) + 1);
            expect(after).to.have.length(4);   // the listing at 30 s, then the one at 60 s, the create and its check
            expect(after.every((r) => r.at.getTime() >= since + 30_000)).to.be.true();

            rig.clock.advance(buildDelayMs);
            expect((await rig.converge(groupId)).outcome).to.equal('done');
            expectServers(rig, groupId, ['ACTIVE', 'ACTIVE'], 2);
        });
    });

    it('full outage with the plugin\'s own breaker: bounded requests, no server touched', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 4);
            const bound = outageBound(rig);
            rig.sim.faults.outage(true);
            rig.sim.clearRequests();
            await rig.scaleTo(groupId, 10);

            const counts: number[] = [];
            for (let i = 0; i < 20; i++) {
                expect((await rig.converge(groupId)).outcome).to.equal('hold');
                expectServers(rig, groupId, repeat('ACTIVE', 4), 10);
                counts.push(compute(rig).length);
                rig.clock.advance(5000);
            }

            // The breaker opened: nothing sent for the last half of the polls, and never more than its bound.
            const sent = counts[counts.length - 1] ?? -1;
            expect(sent).to.be.at.most(bound);
            expect(counts.slice(10)).to.equal(repeat(sent, 10));
            expect(compute(rig).every((r) => r.method === 'GET' && r.status === 503)).to.be.true();
            const holds = (await convergerRows(rig, groupId)).filter((a) => a.kind === 'hold');
            expect(holds[0]?.message).to.match(/breaker_open/);
            expect(await rig.state(groupId)).to.include({ desiredCapacity: 10 });

            // Nova back: the breaker stays open for its resetTimeout (30 s of real
            // time, not settable through the plugin's options), so still nothing is sent.
            rig.sim.faults.outage(false);
            expect((await rig.converge(groupId)).outcome).to.equal('hold');
            expectServers(rig, groupId, repeat('ACTIVE', 4), 10);
            expect(compute(rig)).to.have.length(sent);
        });
    });

    it('full outage, then exact recovery to 10 once the breaker\'s probe succeeds', async () => {
        const resetTimeoutMs = 1000;
        // The plugin's options do not reach its breaker: the host gives the same
        // GuardedCompute over NovaCompute (openstack.compute) with a short resetTimeout.
        const made: GuardedCompute[] = [];
        const options = {
            compute: (account: ConstructorParameters<typeof NovaCompute>[0], clock: Rig['clock']) => {
                const guarded = new GuardedCompute(new NovaCompute(account, { clock }), { clock, defaultRegion: account.regionName ?? 'default', breaker: { resetTimeoutMs } });
                made.push(guarded);
                return guarded;
            }
        };
        try {
            await withRig(options, async (rig) => {
                const groupId = await settled(rig, 4);
                const bound = outageBound(rig);
                rig.sim.faults.outage(true);
                rig.sim.clearRequests();
                await rig.scaleTo(groupId, 10);
                const started = Date.now();
                for (let i = 0; i < 8; i++) {
                    expect((await rig.converge(groupId)).outcome).to.equal('hold');
                    expectServers(rig, groupId, repeat('ACTIVE', 4), 10);
                    rig.clock.advance(5000);
                }

                // At most the breaker's bound, plus one half-open probe per resetTimeout gone by.
                const probes = Math.floor((Date.now() - started) / resetTimeoutMs);
                expect(compute(rig).length).to.be.at.most(bound + probes);
                expect(compute(rig, 'POST')).to.have.length(0);
                expect(made).to.have.length(1);
                expect(made[0]?.state(rig.sim.region).breaker).to.not.equal('closed');   // open, or half-open awaiting its probe

                rig.sim.faults.outage(false);
                const during = compute(rig).length;
                await sleep(resetTimeoutMs + 100);
                expect((await rig.converge(groupId)).outcome).to.equal('wait');
                expectServers(rig, groupId, [...repeat('ACTIVE', 4), ...repeat('BUILD', 6)], 10);
                expect(compute(rig, 'POST').map((r) => r.status)).to.equal(repeat(202, 6));
                expect(compute(rig).length).to.be.above(during);

                rig.clock.advance(buildDelayMs);
                expect((await rig.converge(groupId)).outcome).to.equal('done');
                expectServers(rig, groupId, repeat('ACTIVE', 10), 10);
                expect(compute(rig, 'POST')).to.have.length(6);
                expect(await rig.state(groupId)).to.include({ status: 'ACTIVE', activeCapacity: 10, pendingCapacity: 0 });
                expect(made[0]?.state(rig.sim.region).breaker).to.equal('closed');
            });
        }
        finally {
            made.forEach((g) => g.close());
        }
    });
});

describe('converge: kill-switch and pause', () => {

    it("a kill-switch 'all' stops deletes and creates; 'scale-up' lets a scale-down through but no create", async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 4);
            const store = rig.server.plugins['nova-autoscale'].stores;
            if (!store) {
                throw new Error('no store');
            }

            try {
                await store.supervision.setKillSwitch({ scope: { kind: 'global' }, mode: 'all', reason: 'incident', who: 'ops', expiresAt: null }, rig.clock.now());
                const [gone, broken] = rig.ours(groupId);
                rig.sim.deleteServerOutOfBand(String(gone?.id));
                rig.sim.setServerStatus(String(broken?.id), 'ERROR');
                rig.sim.clearRequests();

                const refused = await execute(rig, groupId, 1);
                expect(refused).to.equal({ statusCode: 403, reason: 'kill_switch' });
                for (let i = 0; i < 2; i++) {
                    expect((await rig.converge(groupId)).outcome).to.equal('hold');
                    expectServers(rig, groupId, ['ACTIVE', 'ACTIVE', 'ERROR'], 10);
                    rig.clock.advance(60_000);
                }

                expect(compute(rig, 'POST')).to.have.length(0);
                expect(compute(rig, 'DELETE')).to.have.length(0);
                const hold = (await convergerRows(rig, groupId)).find((a) => a.kind === 'hold');
                expect(hold).to.include({ reason: 'kill_switch' });
                expect(hold?.message).to.match(/withheld 2 creates and 1 delete/);

                await store.supervision.setKillSwitch({ scope: { kind: 'global' }, mode: 'scale-up', reason: 'incident', who: 'ops', expiresAt: null }, rig.clock.now());
                expect(await execute(rig, groupId, 1)).to.equal({ statusCode: 202, reason: undefined });
                await rig.converge(groupId);
                expectServers(rig, groupId, ['ACTIVE'], 10);
                expect(compute(rig, 'DELETE')).to.have.length(2);
                expect(compute(rig, 'POST')).to.have.length(0);
                const deletes = (await convergerRows(rig, groupId)).filter((a) => a.kind === 'delete').map((a) => a.reason).sort();
                expect(deletes).to.equal(['error', 'scale_down']);
                expect(rig.ours(groupId).map((s) => s.id)).to.not.include(broken?.id);

                // 'scale-up' still withholds creates, even a replacement.
                rig.sim.deleteServerOutOfBand(String(rig.ours(groupId)[0]?.id));
                expect((await rig.converge(groupId)).outcome).to.equal('hold');
                expectServers(rig, groupId, [], 10);
                expect(compute(rig, 'POST')).to.have.length(0);
            }
            finally {
                await store.supervision.clearKillSwitch({ kind: 'global' }, 'test', new Date());
            }

            expect((await rig.converge(groupId)).outcome).to.equal('wait');
            expectServers(rig, groupId, ['BUILD'], 10);
            expect(compute(rig, 'POST')).to.have.length(1);
        });
    });

    it('a paused group takes no new decision and creates nothing when desired is raised; resume converges', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 2);
            const url = `/${rig.tenant}/groups/${groupId}`;
            expect((await rig.api('POST', `${url}/pause`)).statusCode).to.equal(204);
            rig.sim.clearRequests();

            expect(await execute(rig, groupId, 4)).to.equal({ statusCode: 403, reason: 'paused' });
            expect(await rig.state(groupId)).to.include({ desiredCapacity: 2, paused: true });

            // A new minimum raises desired even while paused: the converger must still not act.
            const config = { name: 'web', cooldown: 0, minEntities: 3, maxEntities: 10, metadata: {} };
            expect((await rig.api('PUT', `${url}/config`, config)).statusCode).to.equal(204);
            expect(await rig.state(groupId)).to.include({ desiredCapacity: 3 });
            for (let i = 0; i < 2; i++) {
                expect((await rig.converge(groupId)).outcome).to.equal('hold');
                expectServers(rig, groupId, ['ACTIVE', 'ACTIVE'], 10);
                rig.clock.advance(60_000);
            }

            expect(compute(rig, 'POST')).to.have.length(0);
            const hold = (await convergerRows(rig, groupId)).find((a) => a.kind === 'hold');
            expect(hold).to.include({ reason: 'paused' });
            expect(hold?.message).to.match(/withheld 1 create/);

            expect((await rig.api('POST', `${url}/resume`)).statusCode).to.equal(204);
            await rig.converge(groupId);   // after the run resume kicked
            expectServers(rig, groupId, ['ACTIVE', 'ACTIVE', 'BUILD'], 10);
            expect(compute(rig, 'POST')).to.have.length(1);
            rig.clock.advance(buildDelayMs);
            expect((await rig.converge(groupId)).outcome).to.equal('done');
            expectServers(rig, groupId, ['ACTIVE', 'ACTIVE', 'ACTIVE'], 10);
            expect(await rig.state(groupId)).to.include({ desiredCapacity: 3, activeCapacity: 3, paused: false });
        });
    });
});
