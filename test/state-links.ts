// A group's active servers carry Nova's own links (contract §4): `self` under
// the compute endpoint of the tenant's catalog, `bookmark` without the
// version. Against the simulator over real HTTP; Keystone down costs the
// links, never the answer.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { NovaCompute } from '../adapters/nova/compute';
import type { Compute } from '../core/ports/compute';
import { serverLinks } from '../plugin/wire';
import { DEMO } from '../simulator';
import { buildDelayMs, withRig, type Rig } from './support/converge';
import { field } from './support/server';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

interface Active {
    id: string;
    links: { href: string; rel: string }[];
}

// A group at `n` active servers.
const settled = async (rig: Rig, n: number): Promise<string> => {
    const groupId = await rig.createGroup();
    await rig.scaleTo(groupId, n);
    await rig.converge(groupId);
    rig.clock.advance(buildDelayMs);
    expect((await rig.converge(groupId)).outcome).to.equal('done');
    return groupId;
};

const activeOf = async (rig: Rig, groupId: string): Promise<Active[]> => (await rig.state(groupId)).active as Active[];

// The server's links as the simulator's Nova renders them itself, asked with a token of the tenant.
const novasOwnLinks = async (rig: Rig, serverId: string): Promise<unknown> => {
    const token = rig.sim.issueToken({ userName: DEMO.serviceUser.name, projectId: rig.tenant });
    const res = await fetch(`${rig.sim.computeUrl}/servers/${serverId}`, { headers: { 'x-auth-token': token } });
    expect(res.status).to.equal(200);
    return field(await res.json(), 'server', 'links');
};

const byRel = (links: unknown): unknown[] => [...links as { rel: string }[]].sort((a, b) => a.rel.localeCompare(b.rel));

describe('a group\'s state: active servers with their links', () => {

    it('shows each active server\'s self and bookmark links under the tenant\'s compute endpoint, as Nova renders them', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 2);
            const active = await activeOf(rig, groupId);
            expect(active.map((a) => a.id).sort()).to.equal(rig.ours(groupId).map((s) => s.id).sort());
            for (const server of active) {
                expect(server.links).to.equal([
                    { href: `${rig.sim.computeUrl}/servers/${server.id}`, rel: 'self' },
                    { href: `${rig.sim.origin}/compute/servers/${server.id}`, rel: 'bookmark' }
                ]);
                expect(byRel(server.links)).to.equal(byRel(await novasOwnLinks(rig, server.id)));
            }

            // The group's own view and the listing carry the same state.
            const group = await rig.api('GET', `/${rig.tenant}/groups/${groupId}`);
            expect(field(group.result, 'group', 'state', 'active')).to.equal(active);
            const list = await rig.api('GET', `/${rig.tenant}/groups`);
            const listed = (field(list.result, 'groups') as { id: string; state: { active: Active[] } }[]).find((g) => g.id === groupId);
            expect(listed?.state.active).to.equal(active);
        });
    });

    it('answers 200 with empty links while Keystone is down, and shows them again once it is back', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 1);
            // Past the project token's life (an hour), so the links need Keystone again.
            rig.clock.advance(2 * 3600_000);
            const outage = rig.sim.faults.add({ service: 'identity', status: 503 });
            rig.sim.clearRequests();

            const res = await rig.api('GET', `/${rig.tenant}/groups/${groupId}/state`);
            expect(res.statusCode).to.equal(200);
            const active = field(res.result, 'group', 'active') as Active[];
            expect(active).to.have.length(1);
            expect(active[0]?.links).to.equal([]);
            expect(rig.sim.requests.some((r) => r.service === 'identity' && r.status === 503)).to.be.true();
            const group = await rig.api('GET', `/${rig.tenant}/groups/${groupId}`);
            expect(group.statusCode).to.equal(200);
            expect(field(group.result, 'group', 'state', 'active', 0, 'links')).to.equal([]);

            outage.remove();
            expect((await activeOf(rig, groupId))[0]?.links).to.have.length(2);
        });
    });

    it('asks Keystone once per project token, not once per request', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 1);
            rig.sim.clearRequests();
            for (let i = 0; i < 3; i++) {
                expect((await activeOf(rig, groupId))[0]?.links).to.have.length(2);
            }

            expect(rig.sim.requests.filter((r) => r.service === 'identity' && r.method === 'POST')).to.have.length(0);
        });
    });

    it('shows no links with a host Compute that cannot say where its servers live', async () => {
        const withoutEndpoint = (inner: Compute): Compute => ({
            createServer: (scope, server) => inner.createServer(scope, server),
            listServers: (scope) => inner.listServers(scope),
            deleteServer: (scope, id) => inner.deleteServer(scope, id)
        });
        await withRig({ compute: (account, clock) => withoutEndpoint(new NovaCompute(account, { clock })) }, async (rig) => {
            const groupId = await settled(rig, 1);
            const active = await activeOf(rig, groupId);
            expect(active).to.have.length(1);
            expect(active[0]?.links).to.equal([]);
        });
    });
});

describe('serverLinks', () => {

    it('puts self under the endpoint and bookmark under it without the version segment', () => {
        const table: [string, string, string][] = [
            ['http://h/compute/v2.1', 'http://h/compute/v2.1/servers/s1', 'http://h/compute/servers/s1'],
            ['http://h/compute/v2.1/', 'http://h/compute/v2.1/servers/s1', 'http://h/compute/servers/s1'],
            ['https://nova.example:8774/v2.1', 'https://nova.example:8774/v2.1/servers/s1', 'https://nova.example:8774/servers/s1'],
            // Legacy endpoints with the project id after the version keep it in the bookmark.
            ['https://nova.example:8774/v2/abc123', 'https://nova.example:8774/v2/abc123/servers/s1', 'https://nova.example:8774/abc123/servers/s1'],
            ['https://v2.example/compute', 'https://v2.example/compute/servers/s1', 'https://v2.example/compute/servers/s1']
        ];
        for (const [endpoint, self, bookmark] of table) {
            expect(serverLinks(endpoint, 's1'), endpoint).to.equal([{ href: self, rel: 'self' }, { href: bookmark, rel: 'bookmark' }]);
        }
    });
});
