// The README's mounting example, run as written: its TypeScript block is
// taken from README.md, its `nova-autoscale` import pointed at this checkout.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { demoImageId, demoProjectId, startSimulator } from '../simulator';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const root = join(__dirname, '..');

const readmeExample = (): string => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.split('## Mounting it in your own Hapi server')[1] ?? '';
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    if (!block) {
        throw new Error('README.md has no ```ts block under "Mounting it in your own Hapi server"');
    }

    return block;
};

describe('README mounting example', () => {
    it('mounts the plugin, migrates, authenticates and creates a group', async () => {
        const source = readmeExample();
        expect(source).to.contain("from 'nova-autoscale'");

        // Inside the project, so that @hapi/hapi resolves from node_modules.
        const dir = join(root, '.readme-example');
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `mount-${process.pid}.ts`);
        writeFileSync(file, source.replace("from 'nova-autoscale'", `from ${JSON.stringify(join(root, 'plugin'))}`));
        const dataDir = mkdtempSync(join(tmpdir(), 'readme-example-'));
        const sim = await startSimulator({ demo: true });
        let server: Hapi.Server | null = null;
        try {
            const example = await import(file) as { startMonitoring: (env: NodeJS.ProcessEnv) => Promise<Hapi.Server> };
            server = await example.startMonitoring({
                PORT: '0', AUTOSCALE_DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL ?? '',
                OS_AUTH_URL: sim.authUrl, OS_USERNAME: 'autoscale', OS_PASSWORD: 'secret', OS_USER_DOMAIN_NAME: 'Default',
                OS_PROJECT_NAME: 'service', OS_PROJECT_DOMAIN_NAME: 'Default'
            });
            expect((await request(`${server.info.uri}/autoscale/health`)).statusCode).to.equal(200);
            const token = sim.issueToken({ userName: 'alice', projectId: demoProjectId });
            const created = await request(`${server.info.uri}/autoscale/v1.0/${demoProjectId}/groups`, {
                method: 'POST',
                headers: { 'x-auth-token': token, 'content-type': 'application/json' },
                body: JSON.stringify({
                    groupConfiguration: { name: 'readme', cooldown: 0, minEntities: 0 },
                    launchConfiguration: { type: 'launch_server', args: { server: { flavorRef: '1', imageRef: demoImageId, networks: 'none' } } }
                })
            });
            expect(created.statusCode).to.equal(201);
            await created.body.dump();
        }
        finally {
            await server?.stop();
            await sim.stop();
            rmSync(file, { force: true });
            rmSync(dataDir, { recursive: true, force: true });
        }
    });
});
