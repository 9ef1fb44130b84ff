// NovaCompute against the Keystone + Nova simulator over real HTTP: the
// lifecycle of a server, paging, and what each injected fault becomes.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { NovaCompute, type NovaComputeOptions } from '../../adapters/nova/compute';
import { demoServerArgs } from './server-args';
import { type ComputeScope } from '../../core/ports/compute';
import { ComputeError } from '../../core/model/server';
import { DEMO, demoProjectId, demoServiceAccount, type Simulator, type SimulatorOptions } from '../../simulator';
import { ManualClock, withSim } from '../simulator/helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const DEMO_SCOPE: ComputeScope = { projectId: demoProjectId, region: null };



const failure = async (promise: Promise<unknown>): Promise<ComputeError> => {
    const err = await expect(promise).to.reject();
    expect(err).to.be.an.instanceof(ComputeError);
    return err as ComputeError;
};

const run = (options: SimulatorOptions, test: (sim: Simulator, compute: (o?: NovaComputeOptions) => NovaCompute) => Promise<void>): Promise<void> =>
    withSim(options, (sim) => test(sim, (o = {}) => new NovaCompute(demoServiceAccount(sim), o)));

const computeCalls = (sim: Simulator, method: string, path: string | RegExp) =>
    sim.requests.filter((r) => r.service === 'compute' && r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));

describe('NovaCompute against the simulator', () => {

    it('creates a server that builds then turns ACTIVE, with its metadata, name and networks "none" at 2.37', async () => {
        const clock = new ManualClock();
        await run({ buildDelayMs: 5_000, now: clock.now }, async (sim, compute) => {
            const nova = compute({ clock });
            const { id } = await nova.createServer(DEMO_SCOPE, demoServerArgs(1));

            const building = await nova.showServer(DEMO_SCOPE, id);
            expect(building?.status).to.equal('BUILD');
            expect(building?.name).to.equal('web-as00000001');
            expect(building?.metadata).to.equal({ 'autoscale:group_id': 'g1', 'autoscale:intent_id': 'intent-1' });
            expect(building?.created).to.equal(clock.now());

            clock.advance(5_000);
            expect((await nova.showServer(DEMO_SCOPE, id))?.status).to.equal('ACTIVE');

            expect(sim.servers(demoProjectId).map((s) => s.id)).to.equal([id]);
            const compute_ = sim.requests.filter((r) => r.service === 'compute');
            expect(compute_.length).to.equal(3);
            expect(compute_.every((r) => r.microversion === '2.37')).to.be.true();
            // One token, scoped to demo by id, for the three calls.
            const auths = sim.requests.filter((r) => r.service === 'identity' && r.method === 'POST');
            expect(auths.length).to.equal(1);
            expect(auths[0]?.body).to.part.include({ auth: { scope: { project: { id: demoProjectId } } } });
        });
    });

    it('works in any project where the service user holds a role, by id, and is unauthorized elsewhere', async () => {
        await run({}, async (sim, compute) => {
            const granted = sim.addProject({ id: 'c0ffee00000000000000000000000001', name: 'tenant-x' });
            sim.grantRole({ userName: DEMO.serviceUser.name, projectId: granted.id, role: 'member' });
            sim.addProject({ id: 'c0ffee00000000000000000000000002', name: 'tenant-y' });

            const nova = compute();
            const { id } = await nova.createServer({ projectId: granted.id, region: null }, demoServerArgs(2));
            expect(sim.servers(granted.id).map((s) => s.id)).to.equal([id]);
            expect(sim.servers(demoProjectId)).to.equal([]);
            expect(await nova.listServers(DEMO_SCOPE)).to.equal([]);

            const err = await failure(nova.listServers({ projectId: 'c0ffee00000000000000000000000002', region: null }));
            expect(err.kind).to.equal('unauthorized');
        });
    });

    it('lists every server across pages, newest first as Nova orders them', async () => {
        const clock = new ManualClock();
        await run({ now: clock.now }, async (sim, compute) => {
            const nova = compute({ pageSize: 3, clock });
            const ids: string[] = [];
            for (let n = 0; n < 7; n++) {
                ids.push((await nova.createServer(DEMO_SCOPE, demoServerArgs(n))).id);
                clock.advance(1_000);
            }

            sim.clearRequests();
            const listed = await nova.listServers(DEMO_SCOPE);
            expect(listed.map((s) => s.id)).to.equal([...ids].reverse());
            expect(listed.every((s) => s.status === 'ACTIVE' && s.metadata['autoscale:group_id'] === 'g1')).to.be.true();
            const pages = computeCalls(sim, 'GET', '/servers/detail');
            expect(pages.map((p) => p.query)).to.equal([
                { limit: '3' },
                { limit: '3', marker: ids[4] },
                { limit: '3', marker: ids[1] }
            ]);
        });
    });

    it('deletes: deleting, then show is null and a second delete is gone', async () => {
        const clock = new ManualClock();
        await run({ deleteDelayMs: 2_000, now: clock.now }, async (sim, compute) => {
            const nova = compute({ clock });
            const { id } = await nova.createServer(DEMO_SCOPE, demoServerArgs(3));
            expect(await nova.deleteServer(DEMO_SCOPE, id)).to.equal('deleting');
            expect((await nova.showServer(DEMO_SCOPE, id))?.taskState).to.equal('deleting');

            clock.advance(2_000);
            expect(await nova.showServer(DEMO_SCOPE, id)).to.be.null();
            expect(await nova.deleteServer(DEMO_SCOPE, id)).to.equal('gone');
            expect(sim.servers(demoProjectId)).to.equal([]);
        });
    });

    describe('faults', () => {

        it('503 with Retry-After is unavailable with retryAfterS, and nothing is created', async () => {
            await run({}, async (sim, compute) => {
                sim.faults.add({ service: 'compute', method: 'POST', path: '/servers', status: 503, headers: { 'Retry-After': '30' }, times: 1 });
                const err = await failure(compute().createServer(DEMO_SCOPE, demoServerArgs(4)));
                expect(err.kind).to.equal('unavailable');
                expect(err.status).to.equal(503);
                expect(err.retryAfterS).to.equal(30);
                expect(sim.servers(demoProjectId)).to.equal([]);
            });
        });

        it('413 is over_limit, with retryAfterS from the header or else from Nova\'s overLimit body', async () => {
            await run({}, async (sim, compute) => {
                sim.faults.add({ service: 'compute', method: 'POST', path: '/servers', status: 413, headers: { 'Retry-After': '9' }, times: 1 });
                sim.faults.add({ service: 'compute', method: 'POST', path: '/servers', status: 413, body: { overLimit: { code: 413, message: 'Slow down', retryAfter: '17' } }, times: 1 });
                const nova = compute();
                expect((await failure(nova.createServer(DEMO_SCOPE, demoServerArgs(5)))).retryAfterS).to.equal(9);
                const fromBody = await failure(nova.createServer(DEMO_SCOPE, demoServerArgs(5)));
                expect(fromBody.kind).to.equal('over_limit');
                expect(fromBody.retryAfterS).to.equal(17);
                expect(fromBody.message).to.equal('Slow down');
            });
        });

        it('403 over quota is quota, with Nova\'s message', async () => {
            await run({}, async (sim, compute) => {
                sim.setQuota(demoProjectId, 1);
                const nova = compute();
                await nova.createServer(DEMO_SCOPE, demoServerArgs(6));
                const err = await failure(nova.createServer(DEMO_SCOPE, demoServerArgs(7)));
                expect(err.kind).to.equal('quota');
                expect(err.message).to.contain('Quota exceeded for instances');
                expect(sim.servers(demoProjectId).length).to.equal(1);
            });
        });

        it('a bad image is bad_request, with Nova\'s message', async () => {
            await run({}, async (_sim, compute) => {
                const err = await failure(compute().createServer(DEMO_SCOPE, demoServerArgs(8, { imageRef: '00000000-0000-0000-0000-000000000000' })));
                expect(err.kind).to.equal('bad_request');
                expect(err.status).to.equal(400);
                expect(err.message).to.equal('Can not find requested image');
            });
        });

        it('a hang is timeout within the deadline, and the create may still have happened', async () => {
            await run({}, async (sim, compute) => {
                sim.faults.add({ service: 'compute', method: 'POST', path: '/servers', hang: true, passThrough: true, times: 1 });
                const started = Date.now();
                const err = await failure(compute({ timeouts: { createMs: 200 } }).createServer(DEMO_SCOPE, demoServerArgs(9)));
                expect(Date.now() - started).to.be.below(2_000);
                expect(err.kind).to.equal('timeout');
                expect(sim.servers(demoProjectId).map((s) => s.metadata['autoscale:intent_id'])).to.equal(['intent-9']);
            });
        });

        it('a failing page in the middle of a listing throws, never a partial list', async () => {
            await run({}, async (sim, compute) => {
                const nova = compute({ pageSize: 2 });
                for (let n = 0; n < 5; n++) {
                    await nova.createServer(DEMO_SCOPE, demoServerArgs(n));
                }

                // The first page goes through (a header-only rule), the second fails.
                sim.faults.add({ service: 'compute', method: 'GET', path: '/servers/detail', headers: { 'X-Sim': 'page-1' }, times: 1 });
                sim.faults.add({ service: 'compute', method: 'GET', path: '/servers/detail', status: 500, times: 1 });
                sim.clearRequests();
                const err = await failure(nova.listServers(DEMO_SCOPE));
                expect(err.kind).to.equal('server_error');
                expect(err.status).to.equal(500);
                expect(computeCalls(sim, 'GET', '/servers/detail').map((r) => r.status)).to.equal([200, 500]);

                // With the faults used up, the same call lists all five.
                expect((await nova.listServers(DEMO_SCOPE)).length).to.equal(5);
            });
        });

        it('a truncated page is server_error', async () => {
            await run({}, async (sim, compute) => {
                await compute().createServer(DEMO_SCOPE, demoServerArgs(1));
                sim.faults.add({ service: 'compute', method: 'GET', path: '/servers/detail', status: 200, passThrough: true, body: '{"servers": [{"id": "x", "sta', times: 1 });
                const err = await failure(compute().listServers(DEMO_SCOPE));
                expect(err.kind).to.equal('server_error');
                expect(err.message).to.contain('no servers list');
            });
        });

        it('a 401 once re-authenticates and succeeds', async () => {
            await run({}, async (sim, compute) => {
                const nova = compute();
                await nova.listServers(DEMO_SCOPE);
                sim.faults.add({ service: 'compute', status: 401, times: 1 });
                sim.clearRequests();
                const { id } = await nova.createServer(DEMO_SCOPE, demoServerArgs(10));
                expect(sim.servers(demoProjectId).map((s) => s.id)).to.equal([id]);
                expect(sim.requests.map((r) => `${r.service} ${r.method} ${r.status}`)).to.equal([
                    'compute POST 401', 'identity POST 201', 'compute POST 202'
                ]);
            });
        });

        it('a full outage is unavailable on every call', async () => {
            await run({}, async (sim, compute) => {
                sim.faults.outage(true, { retryAfterS: 60 });
                const nova = compute();
                const errors = await Promise.all([
                    failure(nova.listServers(DEMO_SCOPE)),
                    failure(nova.showServer(DEMO_SCOPE, 'x')),
                    failure(nova.deleteServer(DEMO_SCOPE, 'x'))
                ]);
                expect(errors.map((e) => [e.kind, e.retryAfterS])).to.equal([['unavailable', 60], ['unavailable', 60], ['unavailable', 60]]);
            });
        });
    });
});
