// The log (contract §10): the demo host, with its hapi-pino writing into a
// captured stream, through a whole scripted run on the real clock against
// the simulator: a group with a webhook workflow, a capability URL, executes
// accepted and refused, an alert and a schedule, a server that converges and
// is put in service by a workflow callback, a Nova outage, a bad token and
// Keystone failing. The log then holds an event for each decision (with its
// ids and the request it came with), for each failed OpenStack call and a
// line from each subsystem the run went through; and not one token,
// password, signing secret, capability or callback token appears in it.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startDemoHost } from '../examples/demo-host';
import { adminProjectId, DEMO, demoImageId, serviceProjectId, startSimulator } from '../simulator';
import { scratchDatabase } from './support/database';
import { captureLog } from './support/log-sink';
import { reply, startReceiver } from './workflow-webhook/receiver';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

type Line = Record<string, unknown> & { readonly tags?: string[]; readonly data?: Record<string, unknown>; readonly req?: { id: string; url: string; headers: Record<string, unknown> }; readonly msg?: string };

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const until = async <T>(what: string, probe: () => T | null | undefined | Promise<T | null | undefined>, ms = 20_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
        const value = await probe();
        if (value !== null && value !== undefined) {
            return value;
        }

        if (Date.now() > deadline) {
            throw new Error(`waited ${ms} ms for ${what}`);
        }

        await new Promise((resolve) => setTimeout(resolve, 100));
    }
};

const tagged = (line: Line, ...tags: string[]): boolean => tags.every((tag) => line.tags?.includes(tag) === true);

describe('the log', () => {

    it('tells each decision and each failed OpenStack call, and never a secret', { timeout: 120_000 }, async () => {
        const sim = await startSimulator({ demo: true, buildDelayMs: 500 });
        const receiver = await startReceiver(reply(202, 'ok'));         // an acknowledgement: completion comes by the callback
        const dataDir = mkdtempSync(join(tmpdir(), 'logs-'));
        const tenant = `plogs${randomBytes(6).toString('hex')}`;
        // Secrets long and distinctive, so that finding one anywhere is proof it leaked.
        const servicePassword = `svc-pw-${randomBytes(12).toString('hex')}`;
        const signingSecret = `whsec-${randomBytes(12).toString('hex')}`;
        sim.addProject({ id: tenant, name: tenant });
        sim.addUser({ name: 'autoscale-logs', password: servicePassword, defaultProjectId: serviceProjectId, roles: [{ projectId: serviceProjectId, role: 'admin' }, { projectId: tenant, role: 'member' }] });
        sim.addUser({ name: 'carol', password: `pw-${randomBytes(12).toString('hex')}`, defaultProjectId: tenant, roles: [{ projectId: tenant, role: 'member' }] });
        const token = sim.issueToken({ userName: 'carol', projectId: tenant, expiresInS: 3600 });
        const operatorToken = sim.issueToken({ userName: DEMO.operator.name, projectId: adminProjectId, expiresInS: 3600 });
        const badToken = `not-a-token-${randomBytes(12).toString('hex')}`;

        // A database of its own: the host's loops look at every group there is, and the run's log is to be about this run.
        const scratch = process.env.DATABASE_URL ? await scratchDatabase() : null;
        const log = captureLog();
        const host = await startDemoHost({
            PORT: '0', LOG_LEVEL: 'debug', AUTOSCALE_DATA_DIR: dataDir, ...(scratch?.url ? { DATABASE_URL: scratch.url } : {}),
            OS_AUTH_URL: sim.authUrl, OS_USERNAME: 'autoscale-logs', OS_PASSWORD: servicePassword, OS_USER_DOMAIN_NAME: DEMO.domain,
            OS_PROJECT_ID: serviceProjectId, OS_REGION_NAME: sim.region,
            AUTOSCALE_WEBHOOK_ALLOW_HTTP: 'true', AUTOSCALE_WEBHOOK_ALLOW_CIDRS: '127.0.0.0/8',
            AUTOSCALE_BREAKER_CONSECUTIVE_FAILURES: '2', AUTOSCALE_BREAKER_RESET_MS: '1000'
        }, log);
        const root = `${host.server.info.uri}/autoscale/v1.0`;
        const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, as: string | null = token) => {
            const res = await request(url.startsWith('http') ? url : `${root}/${tenant}${url}`, {
                method, headers: { ...(as === null ? {} : { 'x-auth-token': as }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
                ...(body === undefined ? {} : { body: JSON.stringify(body) })
            });
            const text = await res.body.text();
            return { status: res.statusCode, json: (text === '' ? null : JSON.parse(text)) as Record<string, never> };
        };
        const lines = (): Line[] => log.lines() as Line[];
        const ours = (): Line[] => lines().filter((l) => tagged(l, 'nova-autoscale'));
        // The hapi request id of the first request whose logged path matches.
        const requestIdOf = (path: RegExp): string => String(lines().find((l) => path.test(l.req?.url ?? ''))?.req?.id);

        let capability = '';
        let callbackToken = '';
        let groupId = '';
        const policies = new Map<string, string>();
        try {
            const created = await call('POST', '/groups', {
                groupConfiguration: { name: 'logs', cooldown: 0, minEntities: 0, maxEntities: 1 },
                launchConfiguration: { type: 'launch_server', args: { server: { name: 'logs', flavorRef: DEMO.flavors.tiny.id, imageRef: demoImageId, networks: 'none' } } },
                scalingPolicies: [
                    { name: 'up', cooldown: 0, type: 'webhook', change: 1 },
                    { name: 'more', cooldown: 0, type: 'webhook', change: 1 },
                    { name: 'alerted', cooldown: 0, type: 'webhook', change: 1 },
                    { name: 'down', cooldown: 0, type: 'webhook', desiredCapacity: 0 }
                ]
            });
            expect(created.status, JSON.stringify(created.json)).to.equal(201);
            const group = created.json.group as { id: string; scalingPolicies: { id: string; name: string }[] };
            groupId = group.id;
            group.scalingPolicies.forEach((p) => policies.set(p.name, p.id));
            const policy = (name: string): string => policies.get(name) ?? '';
            const workflow = await call('PUT', `/groups/${groupId}/workflow`, { type: 'webhook', url: receiver.url(), secret: signingSecret, timeoutS: 30, events: ['launch'] });
            expect(workflow.status, JSON.stringify(workflow.json)).to.equal(200);

            // A capability URL, executed: the decision names the request it came with.
            const hooks = await call('POST', `/groups/${groupId}/policies/${policy('up')}/webhooks`, [{ name: 'monitor' }]);
            expect(hooks.status).to.equal(201);
            const href = String((hooks.json.webhooks as { links: { rel: string; href: string }[] }[])[0]?.links.find((l) => l.rel === 'capability')?.href);
            capability = /\/execute\/1\/([^/]+)\/$/.exec(href)?.[1] ?? '';
            expect(capability.length).to.be.at.least(32);
            expect((await call('POST', href, undefined, null)).status).to.equal(202);

            // The server converges, the webhook acknowledges its launch, the callback puts it in service.
            const delivered = await until('the launch delivery', () => receiver.seen[0]);
            const callbackUrl = String((JSON.parse(delivered.body.toString()) as { callbackUrl: string }).callbackUrl);
            callbackToken = /\/workflow\/1\/([0-9a-f]+)$/.exec(callbackUrl)?.[1] ?? '';
            expect(callbackToken).to.have.length(64);
            expect((await call('POST', callbackUrl, { result: 'continue' }, null)).status).to.equal(204);
            await until('the server in service', async () => ((await call('GET', `/groups/${groupId}/state`)).json.group as { activeCapacity: number }).activeCapacity === 1 || null);

            // Refused: at the group's maximum, by hand and by an alert of the host's.
            const more = await call('POST', `/groups/${groupId}/policies/${policy('more')}/execute`);
            expect([more.status, (more.json.error as { details: { reason: string } }).details.reason]).to.equal([403, 'at_max']);
            const monitoring = `${host.server.info.uri}/monitoring/v1/${tenant}/alert-rules/cpu`;
            expect((await call('PUT', monitoring, { name: 'cpu', actions: [{ type: 'autoscale', groupId, policyId: policy('alerted') }] })).status).to.equal(201);
            expect((await call('POST', `${monitoring}/transitions`, { state: 'CRITICAL' })).status).to.equal(202);
            expect((await call('POST', `${monitoring}/transitions`, { state: 'OK' })).status).to.equal(202);     // no circle-back undoes the scale-down below

            // A schedule comes due.
            const scheduled = await call('POST', `/groups/${groupId}/policies`, [{ name: 'at', cooldown: 0, type: 'schedule', change: 1, args: { at: new Date(Date.now() + 1500).toISOString() } }]);
            expect(scheduled.status, JSON.stringify(scheduled.json)).to.equal(201);
            policies.set('at', String((scheduled.json.policies as { id: string }[])[0]?.id));
            await until('the schedule firing', () => ours().find((l) => tagged(l, 'schedule', 'firing', 'info') && l.data?.policyId === policy('at')));

            // Nova away: the scale-down's listing fails until the breaker opens; back, the server goes.
            sim.faults.outage(true);
            expect((await call('POST', `/groups/${groupId}/policies/${policy('down')}/execute`)).status).to.equal(202);
            await until('the breaker open', () => ours().find((l) => tagged(l, 'nova', 'breaker', 'warn')));
            sim.faults.outage(false);
            await until('the server deleted', () => sim.servers(tenant).every((s) => s.taskState === 'deleting' || s.status === 'DELETED') || null);

            // A token Keystone does not know, and Keystone failing a validation.
            expect((await call('GET', '/groups', undefined, badToken)).status).to.equal(401);
            sim.faults.add({ service: 'identity', method: 'GET', status: 503, times: 1 });
            const fresh = sim.issueToken({ userName: 'carol', projectId: tenant, expiresInS: 3600 });
            expect((await call('GET', '/groups', undefined, fresh)).status).to.equal(503);
            expect((await call('GET', `${host.server.info.uri}/autoscale/admin/kill-switches`, undefined, operatorToken)).status).to.equal(200);
            await until('the group empty', async () => ((await call('GET', `/groups/${groupId}/state`)).json.group as { desiredCapacity: number; active: unknown[] }).active.length === 0 || null);
            await until('the group deleted', async () => (await call('DELETE', `/groups/${groupId}`)).status === 204 || null);
        }
        catch (err) {
            // What the plugin said last, for whoever reads a failed run.
            console.log(ours().slice(-40).map((l) => JSON.stringify({ tags: l.tags, data: l.data })).join('\n'));
            throw err;
        }
        finally {
            await host.server.stop();
            await receiver.close();
            await sim.stop();
            await scratch?.drop();
            rmSync(dataDir, { recursive: true, force: true });
        }

        // (a) What it says. Every line is JSON (log.lines() parses each).
        const all = ours();
        const decision = (name: string) => all.find((l) => tagged(l, 'supervisor', 'decision', 'info') && l.data?.policyId === policies.get(name) && l.data?.groupId === groupId)?.data;
        expect(decision('up')).to.include({ event: 'decision', source: 'webhook', outcome: 'accepted', tenantId: tenant, desiredBefore: 0, desiredAfter: 1 });
        expect(decision('up')?.requestId).to.equal(requestIdOf(/\/execute\/1\/\[redacted\]\/$/));
        expect(decision('more')).to.include({ source: 'manual', outcome: 'refused', reason: 'at_max', tenantId: tenant });
        expect(decision('more')?.requestId).to.equal(requestIdOf(new RegExp(`/policies/${policies.get('more')}/execute$`)));
        expect(decision('alerted')).to.include({ source: 'alert', outcome: 'refused', reason: 'at_max' });
        expect(decision('alerted')?.requestId).to.equal(requestIdOf(/\/alert-rules\/cpu\/transitions$/));
        expect(decision('at')).to.include({ source: 'schedule', tenantId: tenant });
        expect(decision('at')).to.not.include('requestId');
        expect(decision('down')).to.include({ source: 'manual', outcome: 'accepted', desiredAfter: 0 });

        const failed = all.find((l) => tagged(l, 'nova', 'openstack', 'error') && l.data?.groupId === groupId);
        expect(failed?.data).to.include({ event: 'openstack_call_failed', service: 'compute', method: 'GET', route: '/servers/detail', code: '503', projectId: tenant });
        const answered503 = sim.requests.filter((r) => r.service === 'compute' && r.status === 503).map((r) => r.requestId);
        expect(answered503).to.include(String(failed?.data?.requestId));
        expect(all.some((l) => tagged(l, 'nova', 'breaker', 'warn') && l.data?.state === 'open')).to.be.true();
        const keystone = all.find((l) => tagged(l, 'auth', 'openstack', 'error'));
        expect(keystone?.data).to.include({ service: 'identity', method: 'GET', route: '/auth/tokens', code: '503' });
        expect(all.some((l) => tagged(l, 'auth', 'keystone', 'error'))).to.be.true();
        expect(all.some((l) => tagged(l, 'workflow', 'webhook', 'info') && l.data?.result === 'continue' && l.data.groupId === groupId)).to.be.true();
        expect(all.some((l) => tagged(l, 'converger', 'run') && l.data?.groupId === groupId)).to.be.true();
        for (const subsystem of ['supervisor', 'converger', 'nova', 'workflow', 'schedule', 'auth']) {
            expect(all.some((l) => l.tags?.[1] === subsystem), `a line of ${subsystem}`).to.be.true();
        }

        // The secret paths were logged, cut; the token headers were logged, redacted.
        expect(lines().some((l) => l.req?.url === '/autoscale/v1.0/execute/1/[redacted]/')).to.be.true();
        expect(lines().some((l) => l.req?.url === '/autoscale/v1.0/workflow/1/[redacted]')).to.be.true();
        expect(lines().some((l) => l.req?.headers['x-auth-token'] === '[redacted]')).to.be.true();

        // (b) What it never says.
        const issued = sim.issuedTokens();
        expect(issued.length).to.be.at.least(5);                        // ours, and the service account's own from Keystone
        const secrets: Record<string, string> = {
            token, operatorToken, badToken, servicePassword, signingSecret, capability, capabilityHash: sha256(capability), callbackToken, callbackHash: sha256(callbackToken),
            ...Object.fromEntries(issued.map((t, i) => [`issued token ${i}`, t]))
        };
        const text = log.text();
        for (const [name, secret] of Object.entries(secrets)) {
            expect(secret.length, name).to.be.at.least(16);
            expect(text.includes(secret), `${name} is in the log`).to.be.false();
        }
    });
});
