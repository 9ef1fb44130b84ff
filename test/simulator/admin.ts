import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import {
    adminProjectId, DEMO, demoFlavorId, demoImageId, demoNetworkId, demoProjectId, seedDemo, serviceProjectId, SimInputError, startSimulator
} from '../../simulator';
import { runFromEnv } from '../../simulator/main';
import { aliceToken, arr, call, createServer, ManualClock, obj, passwordAuth, withSim } from './helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('simulator: in-process API', () => {

    it('exports the demo ids flat', () => {
        expect([demoProjectId, serviceProjectId, adminProjectId, demoImageId, demoFlavorId, demoNetworkId])
            .to.equal([DEMO.demoProject.id, DEMO.serviceProject.id, DEMO.adminProject.id, DEMO.image.id, DEMO.flavors.tiny.id, DEMO.network.id]);
        // Named as the plugin's default adminProject, with an id that is not its name.
        expect(DEMO.adminProject.name).to.equal('admin');
        expect<string>(DEMO.adminProject.id).to.not.equal('admin');
    });

    it('starts empty without demo, and seedDemo fills it in', async () => {
        const sim = await startSimulator();
        try {
            expect(sim.authUrl).to.equal(`http://127.0.0.1:${sim.port}/identity/v3`);
            expect(sim.computeUrl).to.equal(`http://127.0.0.1:${sim.port}/compute/v2.1`);
            expect(sim.region).to.equal('RegionOne');
            expect(() => sim.issueToken({ userName: 'alice' })).to.throw(SimInputError, 'no user alice in domain Default');
            sim.addProject({ id: 'p', name: 'p' });
            // With no flavors or images, an out-of-band server names none.
            expect(sim.addServer('p', { name: 'bare' })).to.include({ imageId: '', flavorId: '', userId: 'out-of-band' });
            const ids = seedDemo(sim);
            // The demo image is everyone's, and its network shared: any project's launch configuration may name them.
            expect(sim.images()).to.equal([{ ...DEMO.image, owner: null, members: [], created: sim.images()[0]?.created }]);
            expect(sim.networks()).to.equal([{
                ...DEMO.network, subnet: { ...DEMO.network.subnet, gatewayIp: '10.20.0.1' }, projectId: DEMO.adminProject.id, created: sim.networks()[0]?.created
            }]);
            expect(ids.serviceUserId).to.match(/^[0-9a-f]{32}$/);
            expect(ids.operatorId).to.match(/^[0-9a-f]{32}$/);
            expect(sim.issueToken({ userName: 'alice' })).to.startWith('gAAAAA');
        }
        finally {
            await sim.stop();
        }
    });

    it('refuses duplicate projects and users, and grants on unknown projects', async () => {
        await withSim({}, async (sim) => {
            expect(() => sim.addProject({ id: 'demo', name: 'again' })).to.throw(SimInputError, 'project demo exists');
            expect(() => sim.addProject({ name: 'demo' })).to.throw(SimInputError, 'project demo exists in domain Default');
            expect(sim.addProject({ name: 'demo', domain: 'Other' }).id).to.match(/^[0-9a-f]{32}$/);
            expect(() => sim.addUser({ name: 'alice', password: 'x', roles: [] })).to.throw(SimInputError, 'user alice exists in domain Default');
            expect(() => sim.addUser({ name: 'x', password: 'x', roles: [{ projectId: 'nope', role: 'member' }] })).to.throw(SimInputError, 'no project nope');
            expect(() => sim.grantRole({ userName: 'alice', projectId: 'nope', role: 'member' })).to.throw(SimInputError, 'no project nope');
            expect(() => sim.grantRole({ userName: 'ghost', projectId: 'demo', role: 'member' })).to.throw(SimInputError);
        });
    });

    it('grants and revokes roles; issued tokens follow at once', async () => {
        await withSim({}, async (sim) => {
            const acme = sim.addProject({ name: 'acme' });
            // The service account created by the seed gets a role on the new tenant.
            sim.grantRole({ userName: 'autoscale', projectId: acme.id, role: 'admin' });
            sim.grantRole({ userName: 'autoscale', projectId: acme.id, role: 'member' });
            const token = sim.issueToken({ userName: 'autoscale', projectId: acme.id });
            const validated = await call('GET', `${sim.authUrl}/auth/tokens`, { token, headers: { 'x-subject-token': token } });
            expect(arr(obj(obj(validated.json).token).roles).map((r) => obj(r).name)).to.equal(['admin', 'member']);
            expect(sim.revokeRole({ userName: 'autoscale', projectId: acme.id, role: 'admin' })).to.be.true();
            expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(200);
            expect(sim.revokeRole({ userName: 'autoscale', projectId: acme.id, role: 'member' })).to.be.true();
            expect(sim.revokeRole({ userName: 'autoscale', projectId: acme.id, role: 'member' })).to.be.false();
            expect(sim.revokeRole({ userName: 'alice', projectId: acme.id, role: 'member' })).to.be.false();
            expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(401);
        });
    });

    it('mints tokens for a user in another domain, and unscoped ones when the default project has no role', async () => {
        await withSim({}, async (sim) => {
            const p = sim.addProject({ name: 'p', domain: 'Customers' });
            sim.addUser({ name: 'alice', password: 'pw', domain: 'Customers', defaultProjectId: p.id, roles: [{ projectId: p.id, role: 'member' }] });
            const theirs = sim.issueToken({ userName: 'alice', domain: 'Customers' });
            const res = await call('GET', `${sim.authUrl}/auth/tokens`, { token: theirs, headers: { 'x-subject-token': theirs } });
            expect(obj(obj(obj(res.json).token).project).id).to.equal(p.id);

            sim.addUser({ name: 'frank', password: 'pw', defaultProjectId: 'demo', roles: [] });
            const unscoped = sim.issueToken({ userName: 'frank' });
            expect((await call('GET', `${sim.computeUrl}/servers`, { token: unscoped })).status).to.equal(401);
            const login = await call('POST', `${sim.authUrl}/auth/tokens`, { body: passwordAuth('frank', 'pw') });
            expect(obj(obj(login.json).token).project).to.not.exist();
        });
    });

    it('adds out-of-band servers with the user, image and flavor given, even unknown ones', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            const server = sim.addServer('demo', { name: 'odd', userId: 'u1', imageId: 'img', flavorId: 'gone' });
            expect(server).to.include({ userId: 'u1', imageId: 'img', flavorId: 'gone' });
            // Nova still shows a server whose flavor is gone, embedding what it knows.
            const shown = obj(obj((await call('GET', `${sim.computeUrl}/servers/${server.id}`, { token, microversion: '2.47' })).json).server);
            expect(shown.flavor).to.equal({ vcpus: 0, ram: 0, disk: 0, ephemeral: 0, swap: 0, original_name: 'gone', extra_specs: {} });
            expect(sim.addImage({ name: 'fresh' }).id).to.match(/^[0-9a-f-]{36}$/);
            expect(sim.deleteServerOutOfBand('nope')).to.be.false();
            expect(sim.setServerStatus(server.id, 'SHUTOFF')).to.be.true();
            expect(sim.servers('demo')[0]).to.include({ status: 'SHUTOFF', powerState: 4, vmState: 'stopped' });
            sim.deleteServerOutOfBand(server.id);
            expect(sim.setServerStatus(server.id, 'ACTIVE')).to.be.false();
        });
    });

    it('skips servers gone in the middle of a page', async () => {
        const clock = new ManualClock();
        await withSim({ now: clock.now }, async (sim) => {
            const token = aliceToken(sim);
            const ids: string[] = [];
            for (let i = 0; i < 3; ++i) {
                ids.unshift(await createServer(sim, token));
                clock.advance(1000);
            }

            sim.deleteServerOutOfBand(ids[1] as string);
            const res = await call('GET', `${sim.computeUrl}/servers?limit=2`, { token });
            expect(arr(obj(res.json).servers).map((s) => obj(s).id)).to.equal([ids[0], ids[2]]);
        });
    });

    it('starts from an environment with everything set, or nothing', async () => {
        const set = await runFromEnv({ PORT: '0', SIM_BUILD_DELAY_MS: '0', SIM_DELETE_DELAY_MS: '60000', SIM_REGION: 'East' }, () => undefined);
        const bare = await runFromEnv({}, () => undefined);
        try {
            const token = aliceToken(set);
            const id = await createServer(set, token);
            await call('DELETE', `${set.computeUrl}/servers/${id}`, { token });
            expect(set.servers()[0]).to.include({ id, taskState: 'deleting' });
            expect(set.region).to.equal('East');
            expect(bare.region).to.equal('RegionOne');
        }
        finally {
            await set.stop();
            await bare.stop();
        }
    });
});
