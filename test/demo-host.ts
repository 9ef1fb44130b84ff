import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { demoInstructions, startDemoHost } from '../examples/demo-host';
import { dropLog } from './support/log-sink';
import { demoLoadBalancerId, demoNetworkId, demoProjectId } from '../simulator';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

// A printed `curl -s -X POST URL -H token -H json -d 'BODY'` line, as a shell would read it.
const postLine = (line: string): { url: string; token: string; body: string } => {
    const match = /^curl -s -X POST (\S+) -H 'X-Auth-Token: (\S+)' -H 'Content-Type: application\/json' -d '(.*)'$/.exec(line);
    expect(match, line).to.exist();
    const [, url = '', token = '', body = ''] = match ?? [];
    return { url, token, body };
};

describe('demo host', () => {
    // One host for the tests (its embedded database takes a while to migrate), on a fresh data folder.
    const dataDir = mkdtempSync(join(tmpdir(), 'demo-host-'));
    let host: Awaited<ReturnType<typeof startDemoHost>>;
    before(async () => {
        host = await startDemoHost({ PORT: '0', AUTOSCALE_DATA_DIR: dataDir, ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) }, dropLog);
    });

    after(async () => {
        await host.server.stop();
        rmSync(dataDir, { recursive: true, force: true });
    });

    it('serves health and the printed curl line creates a group', async () => {
        const lines = demoInstructions(host);
        const health = await request(`${host.server.info.uri}/autoscale/health`);
        expect(health.statusCode).to.equal(200);
        expect(await health.body.json()).to.equal({ status: 'ok' });

        // Run the printed line as a shell would: its URL, header and body.
        const { url, token, body } = postLine(lines.find((line) => line.startsWith('curl -s -X POST')) ?? '');
        const created = await request(url, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body });
        const result = await created.body.json() as { group?: { id?: string } };
        expect(created.statusCode, JSON.stringify(result)).to.equal(201);
        expect(result.group?.id).to.be.a.string();

        // The printed operator's token is an admin (admin role on the admin project); alice's is not.
        const adminCurl = lines.find((line) => line.startsWith('curl -s ') && line.includes('/admin/kill-switches')) ?? '';
        const adminMatch = /^curl -s (\S+) -H 'X-Auth-Token: (\S+)'$/.exec(adminCurl);
        expect(adminMatch, adminCurl).to.exist();
        const [, adminUrl = '', adminToken = ''] = adminMatch ?? [];
        const switches = await request(adminUrl, { headers: { 'x-auth-token': adminToken } });
        expect(switches.statusCode, JSON.stringify(await switches.body.json())).to.equal(200);
        const asTenant = await request(adminUrl, { headers: { 'x-auth-token': token } });
        await asTenant.body.dump();
        expect(asTenant.statusCode).to.equal(403);
    });

    it('takes a webhook workflow to a receiver on loopback over http, as the README shows, with its simulator', async () => {
        const { url, token, body } = postLine(demoInstructions(host).find((line) => line.startsWith('curl -s -X POST')) ?? '');
        const created = await request(url, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body });
        const groupId = ((await created.body.json()) as { group: { id: string } }).group.id;
        const put = await request(`${url}/${groupId}/workflow`, {
            method: 'PUT', headers: { 'x-auth-token': token, 'content-type': 'application/json' },
            body: JSON.stringify({ type: 'webhook', url: 'http://127.0.0.1:8090/autoscale', secret: 's3cret-of-16-chars-at-least' })
        });
        const answer = await put.body.json();
        expect(put.statusCode, JSON.stringify(answer)).to.equal(200);
        // Loopback only: a private address elsewhere is still refused.
        const refused = await request(`${url}/${groupId}/workflow`, {
            method: 'PUT', headers: { 'x-auth-token': token, 'content-type': 'application/json' },
            body: JSON.stringify({ type: 'webhook', url: 'http://10.0.0.1/autoscale', secret: 's3cret-of-16-chars-at-least' })
        });
        const why = await refused.body.json() as { error: { details: { field: string } } };
        expect([refused.statusCode, why.error.details.field]).to.equal([400, 'url']);
    });

    it('prints the demo tenant\'s pool, which Octavia shows, and a group that joins it', async () => {
        const lines = demoInstructions(host);
        const printed = lines.map((line) => /^load balancer \S+ \((\S+)\), HTTP on port 80: pool \S+ (\S+)$/.exec(line)).find((m) => m !== null);
        expect(printed, lines.join('\n')).to.exist();
        const [, loadBalancerId = '', poolId = ''] = printed ?? [];
        expect(loadBalancerId).to.equal(demoLoadBalancerId);

        // The pool is real: the simulator's Octavia shows it to the printed token, on the printed load balancer.
        const join = postLine(lines[lines.indexOf('create a group whose servers join that pool:') + 1] ?? '');
        const shown = await request(`${host.simulator?.loadBalancerUrl}/v2/lbaas/pools/${poolId}`, { headers: { 'x-auth-token': join.token } });
        const pool = await shown.body.json() as { pool?: { id: string; project_id: string; protocol: string; loadbalancers: { id: string }[] } };
        expect(shown.statusCode, JSON.stringify(pool)).to.equal(200);
        expect(pool.pool).to.include({ id: poolId, project_id: demoProjectId, protocol: 'HTTP' });
        expect(pool.pool?.loadbalancers).to.equal([{ id: loadBalancerId }]);

        // The group joins that pool on port 80, from the shared network (a member needs the server's fixed address).
        const body = JSON.parse(join.body) as { launchConfiguration: { args: { loadBalancers: unknown; server: { networks: unknown } } } };
        expect(join.url).to.equal(`${host.server.info.uri}/autoscale/v1.0/${demoProjectId}/groups`);
        expect(body.launchConfiguration.args.loadBalancers).to.equal([{ poolId, port: 80 }]);
        expect(body.launchConfiguration.args.server.networks).to.equal([{ uuid: demoNetworkId }]);

        // Posted as printed, it makes a group whose server joins that pool.
        const created = await request(join.url, { method: 'POST', headers: { 'x-auth-token': join.token, 'content-type': 'application/json' }, body: join.body });
        const result = await created.body.json();
        expect(created.statusCode, JSON.stringify(result)).to.equal(201);
        const members = async (): Promise<{ name: string; protocol_port: number }[]> => {
            const listed = await request(`${host.simulator?.loadBalancerUrl}/v2/lbaas/pools/${poolId}/members`, { headers: { 'x-auth-token': join.token } });
            return ((await listed.body.json()) as { members: { name: string; protocol_port: number }[] }).members;
        };
        const deadline = Date.now() + 20_000;
        while ((await members()).length === 0 && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 200));
        }

        const joined = await members();
        expect(joined).to.have.length(1);
        expect(joined[0]?.protocol_port).to.equal(80);
    });
});
