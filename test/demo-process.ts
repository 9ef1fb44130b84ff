// The demo host as `npm start` runs it: its own process, nothing but the
// environment; healthy well within 30 s, and SIGTERM drains and exits 0.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { demoPoolId } from '../simulator';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const root = join(__dirname, '..');

describe('demo host process', () => {
    it('becomes healthy from a bare environment and exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'demo-process-'));
        const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, PORT: '0', AUTOSCALE_DATA_DIR: dataDir };
        const child = spawn(process.execPath, ['-r', join(root, 'test/support/ts-register.js'), join(root, 'examples/demo-host.ts')], { cwd: root, env });
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString();
        });
        child.stderr.on('data', (chunk: Buffer) => {
            output += chunk.toString();
        });

        try {
            const started = Date.now();
            let uri: string | undefined;
            while (!uri && Date.now() - started < 30_000) {
                uri = /listening on (http:\/\/\S+)/.exec(output)?.[1];
                await new Promise((resolve) => setTimeout(resolve, 100));
            }

            expect(uri, output).to.exist();
            expect(output).to.contain(`pool web-pool ${demoPoolId}`);      // the banner names the demo tenant's pool
            const health = await request(`${uri}/autoscale/health`);
            expect(health.statusCode).to.equal(200);
            await health.body.dump();
            expect(Date.now() - started).to.be.below(30_000);
            // The log is JSON lines on stdout, beside the banner.
            const logged = async (): Promise<Record<string, unknown> | undefined> => {
                for (let i = 0; i < 50; i++) {
                    const line = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
                        .find((l) => String(l.msg).startsWith('[response] GET /autoscale/health 200 '));
                    if (line) {
                        return line;
                    }

                    await new Promise((resolve) => setTimeout(resolve, 100));
                }

                return undefined;
            };
            expect((await logged())?.level, output).to.equal(30);

            child.kill('SIGTERM');
            expect(await exited, output).to.equal(0);
            expect(output).to.contain('SIGTERM: draining');
        }
        finally {
            child.kill('SIGKILL');
            rmSync(dataDir, { recursive: true, force: true });
        }
    });
});
