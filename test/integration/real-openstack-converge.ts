// The whole plugin against a real OpenStack, when OS_AUTH_URL says where one
// is (`source ~/.cache/real-openstack/run/openrc-autoscale.sh`): a customer of
// tenant-a creates a group, the converger builds its server in Nova, and a
// forced delete takes it away again. Without OS_AUTH_URL it is reported skipped.
import * as Code from '@hapi/code';
import Hapi from '@hapi/hapi';
import * as Lab from '@hapi/lab';
import { request } from 'undici';
import { NovaCompute } from '../../adapters/nova/compute';
import { type PasswordAccount } from '../../adapters/keystone/service-account';
import { groupMetadataKey, intentMetadataKey } from '../../core/model/ledger';
import { plugin } from '../../plugin';
import { testDatabase } from '../support/database';
import { field } from '../support/server';
import { customerOf, passwordAccount, skip, titled } from '../support/real-openstack';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const poll = async <T>(what: string, limitMs: number, probe: () => Promise<T | null>): Promise<T> => {
    const started = Date.now();
    for (;;) {
        const value = await probe();
        if (value !== null) {
            return value;
        }

        if (Date.now() - started > limitMs) {
            throw new Error(`${what}: not within ${limitMs} ms`);
        }

        await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
};

// Without OS_AUTH_URL every test here is reported skipped (lab's skip option,
// with the reason in the title): skipped, never counted as passed.

describe(titled('real OpenStack, the whole plugin'), { skip }, () => {
    let server: Hapi.Server;
    let account: PasswordAccount;
    let compute: NovaCompute;
    let tenantId = '';
    let customerToken = '';
    let groupId = '';

    before(async () => {
        account = passwordAccount();
        const customer = await customerOf(account.authUrl);
        tenantId = customer.projectId;
        customerToken = customer.token;
        compute = new NovaCompute(account);

        const db = await testDatabase();
        server = Hapi.server();
        await server.register({
            plugin,
            options: { database: { knex: db.knex }, openstack: { serviceAccount: account }, converger: { recheckMs: 0 }, alerts: { intervalMs: 0 } }
        }, { routes: { prefix: '/autoscale' } });
        await server.initialize();
    });

    after(async () => {
        // Never leave a server of this group behind on the shared cloud.
        const left = groupId ? (await compute.listServers({ projectId: tenantId, region: null })).filter((s) => s.metadata[groupMetadataKey] === groupId) : [];
        for (const s of left) {
            await compute.deleteServer({ projectId: tenantId, region: null }, s.id).catch(() => undefined);
        }

        await server.stop();
    });

    const api = (method: string, path: string, payload?: object) => server.inject({
        method, url: `/autoscale/v1.0/${tenantId}${path}`, headers: { 'x-auth-token': customerToken }, ...(payload ? { payload } : {})
    });

    const lookup = async (serviceType: string, path: string): Promise<unknown> => {
        const session = compute.sessions.for(tenantId);
        const base = await session.endpoint(serviceType);
        return session.withToken(async (token) => {
            const res = await request(`${base}${path}`, { headers: { 'x-auth-token': token, accept: 'application/json' } });
            return { statusCode: res.statusCode, json: await res.body.json() };
        }).then((answer) => answer.json);
    };

    it('converges a group to one server in Nova and removes it on a forced delete', { timeout: 180_000 }, async () => {
        const flavors = await lookup('compute', '/flavors') as { flavors: { id: string; name: string }[] };
        const images = await lookup('image', '/v2/images?name=tiny-raw') as { images: { id: string }[] };
        const created = await api('POST', '/groups', {
            groupConfiguration: { name: 'it-converge', cooldown: 0, minEntities: 1, maxEntities: 2 },
            launchConfiguration: {
                type: 'launch_server',
                args: { server: { name: 'it-converge', flavorRef: flavors.flavors.find((f) => f.name === 'm1.tiny')?.id ?? '', imageRef: images.images[0]?.id ?? '', networks: 'none' } }
            }
        });
        expect(created.statusCode, JSON.stringify(created.result)).to.equal(201);
        groupId = String(field(created.result, 'group', 'id'));
        const converge = server.plugins['nova-autoscale'].convergeOnce;

        const state = await poll('one ACTIVE server', 90_000, async () => {
            await converge(groupId);
            const res = await api('GET', `/groups/${groupId}/state`);
            return field(res.result, 'group', 'activeCapacity') === 1 ? res.result : null;
        });
        const serverId = String(field(state, 'group', 'active', 0, 'id'));
        const listed = (await compute.listServers({ projectId: tenantId, region: null })).filter((s) => s.metadata[groupMetadataKey] === groupId);
        expect(listed.map((s) => s.id)).to.equal([serverId]);
        expect(listed[0]?.metadata[intentMetadataKey]).to.match(/^[0-9a-f-]{36}$/);
        expect(listed[0]?.name).to.match(/^it-converge-as[0-9a-f]{8}$/);

        // Its links are Nova's own: the self link answers with this server, as the service account.
        const links = field(state, 'group', 'active', 0, 'links') as { href: string; rel: string }[];
        expect(links.map((l) => l.rel)).to.equal(['self', 'bookmark']);
        const base = await compute.sessions.for(tenantId).endpoint('compute');
        expect(links[0]?.href).to.equal(`${base}/servers/${serverId}`);
        const shown = await lookup('compute', `/servers/${serverId}`) as { server: { id: string; links: { href: string; rel: string }[] } };
        expect(shown.server.id).to.equal(serverId);
        expect(shown.server.links.find((l) => l.rel === 'bookmark')?.href).to.equal(links[1]?.href);

        // Converged: a sweep sees it steady from the project's listing, and writes nothing.
        const swept = (await server.plugins['nova-autoscale'].sweepOnce()).find((r) => r.groupId === groupId);
        expect(swept?.outcome).to.equal('done');

        expect((await api('DELETE', `/groups/${groupId}?force=true`)).statusCode).to.equal(202);
        await poll('group deleted after its server', 90_000, async () => {
            await converge(groupId);
            return (await api('GET', `/groups/${groupId}`)).statusCode === 404 ? true : null;
        });
        expect(await compute.showServer({ projectId: tenantId, region: null }, serverId)).to.equal(null);
    });
});
