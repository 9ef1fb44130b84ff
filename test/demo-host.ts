import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { demoInstructions, startDemoHost } from '../examples/demo-host';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('demo host', () => {
    it('serves health and the printed curl line creates a group', async () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'demo-host-'));
        const env: NodeJS.ProcessEnv = { PORT: '0', AUTOSCALE_DATA_DIR: dataDir, ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) };
        const host = await startDemoHost(env);
        try {
            const lines = demoInstructions(host);
            const health = await request(`${host.server.info.uri}/autoscale/health`);
            expect(health.statusCode).to.equal(200);
            expect(await health.body.json()).to.equal({ status: 'ok' });

            // Run the printed line as a shell would: its URL, header and body.
            const curl = lines.find((line) => line.startsWith('curl -s -X POST')) ?? '';
            const match = /^curl -s -X POST (\S+) -H 'X-Auth-Token: (\S+)' -H 'Content-Type: application\/json' -d '(.*)'$/.exec(curl);
            expect(match, curl).to.exist();
            const [, url = '', token = '', body = ''] = match ?? [];
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
        }
        finally {
            await host.server.stop();
            rmSync(dataDir, { recursive: true, force: true });
        }
    });
});
