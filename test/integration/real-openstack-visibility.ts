// A launch configuration is checked with the writer's own token against a real
// OpenStack, when OS_AUTH_URL says where one is: tenant-b's private image,
// network and security group, named in a group written with tenant-a's token,
// are refused by field, and nothing is stored. Without OS_AUTH_URL it is
// reported skipped.
import * as Code from '@hapi/code';
import Hapi from '@hapi/hapi';
import * as Lab from '@hapi/lab';
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { plugin } from '../../plugin';
import { testDatabase } from '../support/database';
import { field } from '../support/server';
import { type Customer, customerOf, passwordAccount, signIn, skip, titled } from '../support/real-openstack';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const env = process.env;

// One call to a service of the customer's catalog, as that customer.
const call = async (who: Customer, serviceType: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<{ status: number; json: unknown }> => {
    const base = await who.session.endpoint(serviceType);
    const res = await request(`${base}${path}`, {
        method,
        headers: { 'x-auth-token': who.token, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {})
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: text === '' ? null : JSON.parse(text) as unknown };
};

describe(titled('real OpenStack, what a launch configuration names'), { skip }, () => {
    let server: Hapi.Server;
    let alice: Customer;
    let bob: Customer;
    const theirs = { image: '', network: '', securityGroup: '' };
    const ours = { image: '', flavor: '', network: env.PROVIDER_NET_ID ?? '' };

    before(async () => {
        const account = passwordAccount();
        alice = await customerOf(account.authUrl);
        bob = await signIn(account.authUrl, env.REAL_OS_OTHER_USER ?? 'bob', env.REAL_OS_OTHER_PASSWORD ?? 'secret', env.REAL_OS_OTHER_PROJECT ?? 'tenant-b');

        // tenant-b's own: a private image, a network and a security group.
        const suffix = randomUUID().slice(0, 8);
        const image = await call(bob, 'image', 'POST', '/v2/images', { name: `b-private-${suffix}`, visibility: 'private', disk_format: 'raw', container_format: 'bare' });
        expect(image.status, JSON.stringify(image.json)).to.equal(201);
        theirs.image = String(field(image.json, 'id'));
        const network = await call(bob, 'network', 'POST', '/v2.0/networks', { network: { name: `b-net-${suffix}` } });
        expect(network.status, JSON.stringify(network.json)).to.equal(201);
        theirs.network = String(field(network.json, 'network', 'id'));
        const group = await call(bob, 'network', 'POST', '/v2.0/security-groups', { security_group: { name: `b-sg-${suffix}` } });
        expect(group.status, JSON.stringify(group.json)).to.equal(201);
        theirs.securityGroup = String(field(group.json, 'security_group', 'name'));

        const images = await call(alice, 'image', 'GET', '/v2/images?name=tiny-raw');
        ours.image = String(field(images.json, 'images', 0, 'id'));
        const flavors = await call(alice, 'compute', 'GET', '/flavors');
        ours.flavor = String((field(flavors.json, 'flavors') as { id: string; name: string }[]).find((f) => f.name === 'm1.tiny')?.id);

        const db = await testDatabase();
        server = Hapi.server();
        await server.register({
            plugin,
            options: { database: { knex: db.knex }, openstack: { serviceAccount: account }, converger: { recheckMs: 0 }, alerts: { intervalMs: 0 } }
        }, { routes: { prefix: '/autoscale' } });
        await server.initialize();
    });

    after(async () => {
        await server.stop();
        // Leave tenant-b as it was.
        await call(bob, 'image', 'DELETE', `/v2/images/${theirs.image}`).catch(() => undefined);
        await call(bob, 'network', 'DELETE', `/v2.0/networks/${theirs.network}`).catch(() => undefined);
        const groups = await call(bob, 'network', 'GET', `/v2.0/security-groups?name=${theirs.securityGroup}`).catch(() => null);
        for (const sg of (field(groups?.json, 'security_groups') as { id: string }[] | undefined) ?? []) {
            await call(bob, 'network', 'DELETE', `/v2.0/security-groups/${sg.id}`).catch(() => undefined);
        }
    });

    const api = (method: string, path: string, payload?: object) => server.inject({
        method, url: `/autoscale/v1.0/${alice.projectId}${path}`, headers: { 'x-auth-token': alice.token }, ...(payload ? { payload } : {})
    });

    const launch = (over: Record<string, unknown>) => ({
        type: 'launch_server',
        args: { server: { name: 'it-visible', flavorRef: ours.flavor, imageRef: ours.image, networks: [{ uuid: ours.network }], security_groups: [{ name: 'default' }], ...over } }
    });

    const body = (over: Record<string, unknown>) => ({
        groupConfiguration: { name: 'it-visible', cooldown: 0, minEntities: 0, maxEntities: 2 }, launchConfiguration: launch(over)
    });

    it('refuses tenant-b\'s image, network and security group written with tenant-a\'s token, naming the field, and stores nothing', { timeout: 60_000 }, async () => {
        const rows: [string, Record<string, unknown>, string][] = [
            ['image', { imageRef: theirs.image }, 'launchConfiguration.args.server.imageRef'],
            ['network', { networks: [{ uuid: theirs.network }] }, 'launchConfiguration.args.server.networks.0.uuid'],
            ['security group', { security_groups: [{ name: theirs.securityGroup }] }, 'launchConfiguration.args.server.security_groups.0.name'],
            ['flavor that does not exist', { flavorRef: 'no-such-flavor' }, 'launchConfiguration.args.server.flavorRef']
        ];
        for (const [what, over, named] of rows) {
            const res = await api('POST', '/groups', body(over));
            expect(res.statusCode, `${what}: ${res.payload}`).to.equal(400);
            expect(field(res.result, 'error', 'details', 'field'), what).to.equal(named);
        }

        const listed = await api('GET', '/groups');
        expect((field(listed.result, 'groups') as { name: string }[]).filter((g) => g.name === 'it-visible')).to.equal([]);
    });

    it('takes what tenant-a can see (public image, shared network, its default group), and refuses tenant-b\'s network on a later PUT', { timeout: 60_000 }, async () => {
        const created = await api('POST', '/groups', body({}));
        expect(created.statusCode, created.payload).to.equal(201);
        const groupId = String(field(created.result, 'group', 'id'));
        try {
            const put = await api('PUT', `/groups/${groupId}/launch`, launch({ networks: [{ uuid: theirs.network }] }));
            expect(put.statusCode, put.payload).to.equal(400);
            expect(field(put.result, 'error', 'details', 'field')).to.equal('args.server.networks.0.uuid');
            const kept = await api('GET', `/groups/${groupId}/launch`);
            expect(field(kept.result, 'launchConfiguration', 'args', 'server', 'networks')).to.equal([{ uuid: ours.network }]);
        }
        finally {
            await api('DELETE', `/groups/${groupId}`);
        }
    });
});
