// The webhook outbox across kill -9 (contract §7 "Durable"): the demo host as
// a child process on real PostgreSQL, 10 deliveries held unanswered by the
// receiver, the host SIGKILLed and started again on the same database: every
// delivery is sent again with its own id (none lost, none new), and the group
// ends with exactly its desired servers in service.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import knexFactory from 'knex';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { verify } from '../adapters/workflow-webhook/signature';
import { DEMO } from '../simulator/demo';
import { sleep, startHostProcess, startSimProcess, type HostProcess, type SimProcess } from './support/crash-procs';
import { testDatabaseKind } from './support/database';
import { secret } from './workflow-webhook/fixtures';
import { startReceiver, type Receiver } from './workflow-webhook/receiver';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const desired = 10;
const tenant = DEMO.demoProject.id;

const until = async (what: string, done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> => {
    const by = Date.now() + timeoutMs;
    while (!(await done())) {
        if (Date.now() > by) {
            throw new Error(`not within ${timeoutMs} ms: ${what}`);
        }

        await sleep(100);
    }
};

describe('workflows: the webhook outbox across kill -9', () => {

    if (testDatabaseKind() !== 'postgres') {
        it('needs PostgreSQL: runs in the postgres pass of npm test (DATABASE_URL is unset here)', () => {
            expect(process.env.DATABASE_URL || undefined).to.not.exist();
        });
        return;
    }

    it('sends every outstanding delivery again with its id after a restart, and converges to exactly desired in service', { timeout: 120_000 }, async () => {
        const databaseUrl = String(process.env.DATABASE_URL);
        const schema = `webhook_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
        const url = new URL(databaseUrl);
        url.searchParams.set('options', `-c search_path=${schema}`);
        const admin = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
        const cacheDir = mkdtempSync(join(tmpdir(), 'crash-ts-'));
        // First life: every request is held, unanswered. After the kill: answered continue.
        const held: ServerResponse[] = [];
        const answering = { now: false };
        let receiver: Receiver | null = null;
        let sim: SimProcess | null = null;
        let host: HostProcess | null = null;
        try {
            await admin.raw(`CREATE SCHEMA ${schema}`);
            receiver = await startReceiver((_req, res) => {
                if (answering.now) {
                    res.writeHead(200);
                    res.end('{"result":"continue"}');
                }
                else {
                    held.push(res);
                }
            });
            const hook = receiver;
            const simulator = sim = await startSimProcess(200, cacheDir);
            const env: NodeJS.ProcessEnv = {
                OS_AUTH_URL: simulator.authUrl, OS_USERNAME: DEMO.serviceUser.name, OS_PASSWORD: DEMO.serviceUser.password,
                OS_PROJECT_NAME: DEMO.serviceProject.name, OS_PROJECT_DOMAIN_NAME: 'Default', OS_USER_DOMAIN_NAME: 'Default', OS_REGION_NAME: simulator.region,
                DATABASE_URL: url.toString(),
                AUTOSCALE_CONVERGE_INTERVAL_S: '1',
                AUTOSCALE_LEASE_TTL_S: '1',
                AUTOSCALE_WEBHOOK_ALLOW_HTTP: 'true',
                AUTOSCALE_WEBHOOK_ALLOW_CIDRS: '127.0.0.1/32',
                // A held attempt lapses sooner than the contract's 10 s, so the resend comes within the test.
                AUTOSCALE_WEBHOOK_ATTEMPT_TIMEOUT_MS: '2000'
            };
            const minted = await simulator.control('POST', '/tokens', { userName: DEMO.customer.name, projectId: tenant, expiresInS: 3600 });
            const token = String((minted.body as { token?: unknown }).token);
            const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
                const res = await request(`${host?.uri}/autoscale/v1.0/${tenant}${path}`, {
                    method: method as 'GET',
                    headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
                    ...(body === undefined ? {} : { body: JSON.stringify(body) })
                });
                const text = await res.body.text();
                return { status: res.statusCode, body: text ? JSON.parse(text) as Record<string, unknown> : {} };
            };

            host = await startHostProcess(env, cacheDir);
            const created = await api('POST', '/groups', {
                groupConfiguration: { name: 'hooked', cooldown: 0, minEntities: 0, maxEntities: 20, metadata: {} },
                launchConfiguration: { type: 'launch_server', args: { server: { name: 'hooked', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: 'none' } } }
            });
            expect(created.status).to.equal(201);
            const groupId = String((created.body.group as { id: string }).id);
            expect((await api('PUT', `/groups/${groupId}/workflow`, { type: 'webhook', url: hook.url(), secret, timeoutS: 300 })).status).to.equal(200);
            const policies = await api('POST', `/groups/${groupId}/policies`, [{ name: 'ten', cooldown: 0, type: 'webhook', desiredCapacity: desired }]);
            const policyId = String(((policies.body.policies as { id: string }[])[0])?.id);
            expect((await api('POST', `/groups/${groupId}/policies/${policyId}/execute`)).status).to.equal(202);

            const idsOf = (from: number): string[] => hook.seen.slice(from).map((s) => String(s.headers['x-autoscale-delivery']));
            await until('10 deliveries held by the receiver', () => new Set(idsOf(0)).size === desired, 60_000);
            const first = [...new Set(idsOf(0))].sort();
            const sentBefore = hook.seen.length;

            await host.child.kill9();
            host = null;
            held.forEach((res) => res.destroy());
            answering.now = true;
            host = await startHostProcess(env, cacheDir);

            const state = async (): Promise<Record<string, unknown>> => (await api('GET', `/groups/${groupId}/state`)).body.group as Record<string, unknown>;
            await until('every delivery sent again and the group in service', async () => {
                const s = await state();
                return s.activeCapacity === desired && s.pendingCapacity === 0;
            }, 60_000);

            const again = idsOf(sentBefore);
            expect([...new Set(again)].sort()).to.equal(first);
            for (const seen of hook.seen) {
                // Signed with the host's clock: within the receiver's tolerance of ours.
                expect(verify(String(seen.headers['x-autoscale-signature']), secret, seen.body, Math.floor(Date.now() / 1000))).to.be.true();
            }

            const servers = (await simulator.control('GET', `/servers?projectId=${tenant}`)).body as { servers: { metadata: Record<string, string>; status: string }[] };
            const ours = servers.servers.filter((s) => s.metadata['autoscale:group_id'] === groupId);
            expect(ours.map((s) => s.status)).to.equal(Array.from({ length: desired }, () => 'ACTIVE'));
            const s = await state();
            expect([s.desiredCapacity, s.activeCapacity, s.pendingCapacity]).to.equal([desired, desired, 0]);
        }
        finally {
            await host?.child.stop();
            await sim?.child.stop();
            await receiver?.close();
            await admin.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
            await admin.destroy();
            rmSync(cacheDir, { recursive: true, force: true });
        }
    });
});
