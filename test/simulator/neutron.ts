import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DEMO } from '../../simulator';
import { aliceToken, arr, call, obj, operatorToken, otherCustomer, withSim } from './helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const ids = (body: unknown, key: string): string[] => arr(obj(body)[key]).map((n) => String(obj(n).id));

describe('simulator: Neutron', () => {

    describe('networks', () => {

        it('shows a network with Neutron\'s fields', async () => {
            await withSim({}, async (sim) => {
                const res = await call('GET', `${sim.networkUrl}/v2.0/networks/${DEMO.network.id}`, { token: aliceToken(sim) });
                expect(res.status).to.equal(200);
                expect(obj(obj(res.json).network)).to.include({
                    id: DEMO.network.id, name: 'public', project_id: DEMO.adminProject.id, tenant_id: DEMO.adminProject.id,
                    shared: true, status: 'ACTIVE', admin_state_up: true, 'router:external': false
                });
            });
        });

        it('shows a project its own and the shared networks; an admin every one; 404 otherwise', async () => {
            await withSim({}, async (sim) => {
                const acme = otherCustomer(sim);
                const own = sim.addNetwork({ projectId: 'demo', name: 'private' }).id;
                const theirs = sim.addNetwork({ id: '5b0c1f2e-0000-4000-8000-000000000001', projectId: 'acme', name: 'private' }).id;
                const alice = aliceToken(sim);
                const status = async (token: string, id: string): Promise<number> => (await call('GET', `${sim.networkUrl}/v2.0/networks/${id}`, { token })).status;
                expect([await status(alice, own), await status(alice, DEMO.network.id), await status(alice, theirs)]).to.equal([200, 200, 404]);
                expect([await status(acme.token, own), await status(acme.token, theirs)]).to.equal([404, 200]);
                const operator = operatorToken(sim);
                expect([await status(operator, own), await status(operator, theirs), await status(operator, 'nope')]).to.equal([200, 200, 404]);

                const hidden = await call('GET', `${sim.networkUrl}/v2.0/networks/${theirs}`, { token: alice });
                expect(hidden.json).to.equal({ NeutronError: { type: 'NetworkNotFound', message: `Network ${theirs} could not be found.`, detail: '' } });

                const listed = await call('GET', `${sim.networkUrl}/v2.0/networks`, { token: alice });
                expect(ids(listed.json, 'networks')).to.equal([DEMO.network.id, own]);
                expect(ids((await call('GET', `${sim.networkUrl}/v2.0/networks`, { token: operator })).json, 'networks')).to.equal([DEMO.network.id, own, theirs]);
            });
        });

        it('filters by id (any of several), name, shared and project, and picks fields', async () => {
            await withSim({}, async (sim) => {
                otherCustomer(sim);
                const own = sim.addNetwork({ projectId: 'demo', name: 'private' }).id;
                sim.addNetwork({ projectId: 'acme', name: 'private' });
                const token = aliceToken(sim);
                const list = async (query: string): Promise<string[]> => ids((await call('GET', `${sim.networkUrl}/v2.0/networks?${query}`, { token })).json, 'networks');
                expect(await list(`id=${own}`)).to.equal([own]);
                expect(await list(`id=${own}&id=${DEMO.network.id}`)).to.equal([DEMO.network.id, own]);
                expect(await list('name=private')).to.equal([own]);
                expect(await list('name=nothing')).to.equal([]);
                expect(await list('shared=True')).to.equal([DEMO.network.id]);
                expect(await list('shared=0')).to.equal([own]);
                expect(await list('shared=1&shared=false')).to.equal([DEMO.network.id, own]);
                expect(await list('mtu=1450&ipv4_address_scope=null')).to.equal([DEMO.network.id, own]);
                expect(await list('project_id=demo')).to.equal([own]);
                expect(await list('tenant_id=acme')).to.equal([]);
                expect(await list('limit=10&sort_key=name')).to.have.length(2);

                const picked = await call('GET', `${sim.networkUrl}/v2.0/networks?fields=id&fields=name&id=${own}`, { token });
                expect(obj(picked.json).networks).to.equal([{ id: own, name: 'private' }]);
                const bad = await call('GET', `${sim.networkUrl}/v2.0/networks?colour=red&subnets=x`, { token });
                expect(bad.status).to.equal(400);
                expect(bad.json).to.equal({ NeutronError: { type: 'HTTPBadRequest', message: "['colour', 'subnets'] is invalid attribute for filtering", detail: '' } });
            });
        });

        it('refuses a network id taken, or a project that does not exist', async () => {
            await withSim({}, async (sim) => {
                expect(() => sim.addNetwork({ id: DEMO.network.id, projectId: 'demo', name: 'again' })).to.throw(`network ${DEMO.network.id} exists`);
                expect(() => sim.addNetwork({ projectId: 'nope', name: 'n' })).to.throw('no project nope');
                expect(sim.networks('demo')).to.equal([]);
                expect(sim.networks().map((n) => n.name)).to.equal(['public']);
            });
        });
    });

    describe('security groups', () => {

        it('makes a project\'s default group the first time it lists its groups', async () => {
            await withSim({}, async (sim) => {
                expect(sim.securityGroups('demo')).to.equal([]);
                const token = aliceToken(sim);
                const res = await call('GET', `${sim.networkUrl}/v2.0/security-groups?name=default`, { token });
                expect(res.status).to.equal(200);
                const [group] = arr(obj(res.json).security_groups).map(obj);
                expect(group).to.include({ name: 'default', description: 'Default security group', project_id: 'demo', tenant_id: 'demo' });
                expect(arr(group?.security_group_rules).map((r) => `${String(obj(r).direction)} ${String(obj(r).ethertype)}`))
                    .to.equal(['egress IPv4', 'egress IPv6', 'ingress IPv4', 'ingress IPv6']);
                expect(sim.securityGroups('demo').map((g) => g.id)).to.equal([String(group?.id)]);

                // The same group from then on.
                const again = await call('GET', `${sim.networkUrl}/v2.0/security-groups`, { token });
                expect(ids(again.json, 'security_groups')).to.equal([String(group?.id)]);
                const shown = await call('GET', `${sim.networkUrl}/v2.0/security-groups/${String(group?.id)}`, { token });
                expect(obj(obj(shown.json).security_group).id).to.equal(group?.id);
                expect(sim.securityGroups()).to.have.length(1);
            });
        });

        it('shows a project its own groups only; an admin every group', async () => {
            await withSim({}, async (sim) => {
                const acme = otherCustomer(sim);
                const web = sim.addSecurityGroup({ projectId: 'demo', name: 'web', description: 'HTTP in' }).id;
                const theirs = sim.addSecurityGroup({ projectId: 'acme', name: 'web' }).id;
                const alice = aliceToken(sim);
                const url = `${sim.networkUrl}/v2.0/security-groups`;
                const status = async (token: string, id: string): Promise<number> => (await call('GET', `${url}/${id}`, { token })).status;
                expect([await status(alice, web), await status(alice, theirs)]).to.equal([200, 404]);
                expect([await status(acme.token, web), await status(acme.token, theirs)]).to.equal([404, 200]);
                const operator = operatorToken(sim);
                expect([await status(operator, web), await status(operator, theirs), await status(operator, 'nope')]).to.equal([200, 200, 404]);
                const hidden = await call('GET', `${url}/${theirs}`, { token: alice });
                expect(hidden.json).to.equal({ NeutronError: { type: 'SecurityGroupNotFound', message: `Security group ${theirs} does not exist`, detail: '' } });

                const named = await call('GET', `${url}?name=web`, { token: alice });
                const [group] = arr(obj(named.json).security_groups).map(obj);
                expect(group).to.include({ id: web, description: 'HTTP in' });
                expect(arr(group?.security_group_rules)).to.have.length(2); // egress only
                // Another project's groups stay out of sight, asked for by project or not.
                expect(ids((await call('GET', `${url}?project_id=acme`, { token: alice })).json, 'security_groups')).to.equal([]);
                expect(sim.securityGroups('acme').map((g) => g.name)).to.equal(['web']);
                // The admin sees them, and listing a project makes its default group.
                const acmeGroups = await call('GET', `${url}?project_id=acme`, { token: operator });
                expect(arr(obj(acmeGroups.json).security_groups).map((g) => obj(g).name).sort()).to.equal(['default', 'web']);
                expect(arr(obj((await call('GET', `${url}?project_id=nope`, { token: operator })).json).security_groups)).to.equal([]);
                expect(ids((await call('GET', `${url}?tenant_id=demo`, { token: operator })).json, 'security_groups')).to.have.length(2);
                expect(sim.securityGroups('demo').map((g) => g.name)).to.equal(['web', 'default']);
                expect((await call('GET', `${url}?security_group_rules=x`, { token: operator })).status).to.equal(400);
            });
        });

        it('takes a default group added by hand as the project\'s, and refuses a second', async () => {
            await withSim({}, async (sim) => {
                const mine = sim.addSecurityGroup({ id: 'b1e2c3d4-0000-4000-8000-000000000001', projectId: 'demo', name: 'default' }).id;
                const listed = await call('GET', `${sim.networkUrl}/v2.0/security-groups`, { token: aliceToken(sim) });
                expect(ids(listed.json, 'security_groups')).to.equal([mine]);
                expect(() => sim.addSecurityGroup({ projectId: 'demo', name: 'default' })).to.throw('project demo has its default security group');
                expect(() => sim.addSecurityGroup({ id: mine, projectId: 'demo', name: 'web' })).to.throw(`security group ${mine} exists`);
                expect(() => sim.addSecurityGroup({ projectId: 'nope', name: 'web' })).to.throw('no project nope');
            });
        });
    });

    it('wants a project-scoped token, answers its version list without one, and 404/405 for what it does not serve', async () => {
        await withSim({}, async (sim) => {
            const res = await call('GET', `${sim.networkUrl}/v2.0/networks`);
            expect(res.status).to.equal(401);
            expect(res.headers['www-authenticate']).to.equal(`Keystone uri="${sim.authUrl}"`);
            expect((await call('POST', sim.networkUrl)).status).to.equal(401);
            const versions = await call('GET', sim.networkUrl);
            expect(versions.status).to.equal(200);
            expect(obj(arr(obj(versions.json).versions)[0])).to.include({ id: 'v2.0', status: 'CURRENT' });

            const token = aliceToken(sim);
            const ports = await call('GET', `${sim.networkUrl}/v2.0/ports`, { token });
            expect(ports.status).to.equal(404);
            expect(obj(obj(ports.json).NeutronError).type).to.equal('HTTPNotFound');
            const post = await call('POST', `${sim.networkUrl}/v2.0/networks`, { token, body: { network: { name: 'x' } } });
            expect(post.status).to.equal(405);
            expect(obj(obj(post.json).NeutronError).type).to.equal('HTTPMethodNotAllowed');
        });
    });
});
