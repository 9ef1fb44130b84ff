// The whole plugin joining a real Octavia pool, when OS_AUTH_URL says where
// a real OpenStack is (with PROVIDER_NET_ID and PROVIDER_SUBNET_ID, as
// ../shared/real-openstack's up.sh prints them): a customer of tenant-a
// creates a group whose server boots on the provider network and joins a
// pool of the project's load balancer; the server is in service only once
// its member is ACTIVE at the server's fixed address; a scale-down leaves the
// pool before the server goes. A member someone else made in the same pool
// is never touched. Without OS_AUTH_URL it is reported skipped.
import * as Code from '@hapi/code';
import Hapi from '@hapi/hapi';
import * as Lab from '@hapi/lab';
import { randomInt } from 'node:crypto';
import { request } from 'undici';
import { type PasswordAccount } from '../../adapters/keystone/service-account';
import { NovaCompute } from '../../adapters/nova/compute';
import { groupMetadataKey } from '../../core/model/ledger';
import { plugin } from '../../plugin';
import { testDatabase } from '../support/database';
import { field, Project, sleep } from '../support/octavia-project';
import { customerOf, passwordAccount, skip, titled } from '../support/real-openstack';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const env = process.env;


interface Member {
    readonly id: string;
    readonly address: string;
    readonly protocol_port: number;
    readonly name: string;
    readonly provisioning_status: string;
}

describe(titled('real OpenStack, a group joining a real Octavia pool'), { skip }, () => {
    let server: Hapi.Server;
    let account: PasswordAccount;
    let compute: NovaCompute;
    let project: Project;
    let tenantId = '';
    let customerToken = '';
    let groupId = '';
    let lb = '';
    let pool = '';

    before({ timeout: 300_000 }, async () => {
        account = passwordAccount();
        const customer = await customerOf(account.authUrl);
        tenantId = customer.projectId;
        customerToken = customer.token;
        compute = new NovaCompute(account);
        project = await Project.of(account, tenantId);
        ({ lb, pool } = await project.loadBalancer(env.PROVIDER_SUBNET_ID ?? '', true));

        const db = await testDatabase();
        server = Hapi.server();
        await server.register({
            plugin,
            options: { database: { knex: db.knex }, openstack: { serviceAccount: account }, converger: { recheckMs: 0 }, alerts: { intervalMs: 0 } }
        }, { routes: { prefix: '/autoscale' } });
        await server.initialize();
    });

    after({ timeout: 300_000 }, async () => {
        // Never leave a server of this group, or the load balancer, behind on the shared cloud.
        const left = groupId ? (await compute.listServers({ projectId: tenantId, region: null })).filter((s) => s.metadata[groupMetadataKey] === groupId) : [];
        for (const s of left) {
            await compute.deleteServer({ projectId: tenantId, region: null }, s.id).catch(() => undefined);
        }

        if (lb !== '') {
            await project.change('DELETE', `/lbaas/loadbalancers/${lb}?cascade=true`);
            await project.until(`/lbaas/loadbalancers/${lb}`, 'loadbalancer', null);
        }

        await server?.stop();
    });

    const api = (method: string, path: string, payload?: object) => server.inject({
        method, url: `/autoscale/v1.0/${tenantId}${path}`, headers: { 'x-auth-token': customerToken }, ...(payload ? { payload } : {})
    });

    const members = async (): Promise<Member[]> => {
        const answer = await project.call('GET', `/lbaas/pools/${pool}/members`);
        expect(answer.statusCode, answer.text).to.equal(200);
        return field(answer.json, 'members') as Member[];
    };

    // Converges until `done` says so, at most `limitMs`.
    const convergeUntil = async <T>(what: string, limitMs: number, done: () => Promise<T | null>): Promise<T> => {
        const until = Date.now() + limitMs;
        for (;;) {
            await server.plugins['nova-autoscale'].convergeOnce(groupId);
            const value = await done();
            if (value !== null) {
                return value;
            }

            expect(Date.now() < until, `${what}: not within ${limitMs} ms`).to.be.true();
            await sleep(1_000);
        }
    };

    it('joins the pool at the server\'s fixed address before the server is in service, and leaves it before the server is deleted', { timeout: 600_000 }, async () => {
        // Someone else's member in the same pool: never touched.
        const foreignAddress = `10.20.${randomInt(200, 250)}.${randomInt(2, 250)}`;
        const foreign = await project.change('POST', `/lbaas/pools/${pool}/members`, { member: { address: foreignAddress, protocol_port: 8080, name: 'not-ours' } });
        expect(foreign.statusCode, foreign.text).to.equal(201);
        const foreignId = String(field(foreign.json, 'member', 'id'));

        const lookup = async (serviceType: string, path: string): Promise<unknown> => {
            const session = compute.sessions.for(tenantId);
            const base = await session.endpoint(serviceType);
            const answer = await session.withToken(async (token) => {
                const res = await request(`${base}${path}`, { headers: { 'x-auth-token': token, accept: 'application/json' } });
                return { statusCode: res.statusCode, json: await res.body.json() };
            });
            return answer.json;
        };
        const flavors = await lookup('compute', '/flavors') as { flavors: { id: string; name: string }[] };
        const images = await lookup('image', '/v2/images?name=tiny-raw') as { images: { id: string }[] };
        const created = await api('POST', '/groups', {
            groupConfiguration: { name: 'it-members', cooldown: 0, minEntities: 1, maxEntities: 2 },
            launchConfiguration: {
                type: 'launch_server',
                args: {
                    server: { name: 'it-members', flavorRef: flavors.flavors.find((f) => f.name === 'm1.tiny')?.id ?? '', imageRef: images.images[0]?.id ?? '', networks: [{ uuid: env.PROVIDER_NET_ID ?? '' }] },
                    loadBalancers: [{ poolId: pool, port: 80, subnetId: env.PROVIDER_SUBNET_ID ?? '' }],
                    drainingTimeoutS: 2
                }
            }
        });
        expect(created.statusCode, JSON.stringify(created.result)).to.equal(201);
        groupId = String(field(created.result, 'group', 'id'));

        // In service only once its member is ACTIVE, at the address Nova gave the server.
        const state = await convergeUntil('one server in service', 240_000, async () => {
            const res = await api('GET', `/groups/${groupId}/state`);
            const active = field(res.result, 'group', 'activeCapacity');
            if (active !== 1) {
                // Until then, a member of ours is never ACTIVE without the server counting.
                return null;
            }

            return res.result;
        });
        const serverId = String(field(state, 'group', 'active', 0, 'id'));
        const nova = (await compute.listServers({ projectId: tenantId, region: null })).find((s) => s.id === serverId);
        const addresses = Object.values(nova?.addresses ?? {}).flat().map((a) => a.addr);
        const ours = (await members()).filter((m) => m.id !== foreignId);
        expect(ours).to.have.length(1);
        expect(ours[0]).to.include({ protocol_port: 80, name: nova?.name ?? '', provisioning_status: 'ACTIVE' });
        expect(addresses).to.include(ours[0]?.address ?? '');

        // Scale down to none: the member goes first, then the server; the foreign member stays.
        expect((await api('PUT', `/groups/${groupId}/config`, { name: 'it-members', cooldown: 0, minEntities: 0, maxEntities: 2 })).statusCode).to.equal(204);
        const policy = await api('POST', `/groups/${groupId}/policies`, [{ name: 'down', cooldown: 0, type: 'webhook', desiredCapacity: 0 }]);
        const policyId = String(field(policy.result, 'policies', 0, 'id'));
        expect((await api('POST', `/groups/${groupId}/policies/${policyId}/execute`)).statusCode).to.equal(202);
        await convergeUntil('the member and the server gone', 300_000, async () => {
            const memberGone = !(await members()).some((m) => m.id === ours[0]?.id);
            const serverGone = !(await compute.listServers({ projectId: tenantId, region: null })).some((s) => s.id === serverId);
            return memberGone && serverGone ? true : null;
        });

        // The activity, newest first: the server's delete after its member's.
        const activity = field((await api('GET', `/groups/${groupId}/activity?limit=100`)).result, 'activity') as { kind: string; message: string }[];
        const at = (kind: string): number => activity.findIndex((a) => a.kind === kind && a.message.includes(serverId));
        expect(at('member_delete')).to.be.above(-1);
        expect(at('delete')).to.be.above(-1);
        expect(at('delete')).to.be.below(at('member_delete'));
        expect((await members()).map((m) => m.id)).to.equal([foreignId]);
    });
});
