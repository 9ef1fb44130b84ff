import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { spawn } from 'node:child_process';
import * as Path from 'node:path';
import { once } from 'node:events';
import { DEMO } from '../../simulator';
import { runFromEnv } from '../../simulator/main';
import { aliceToken, arr, call, createServer, obj, serverBody, withSim } from './helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('simulator: control interface /_sim', () => {

    it('describes itself', async () => {
        await withSim({ region: 'North' }, async (sim) => {
            const res = await call('GET', sim.controlUrl);
            expect(res.json).to.equal({
                origin: sim.origin, authUrl: sim.authUrl, computeUrl: sim.computeUrl, imageUrl: sim.imageUrl, networkUrl: sim.networkUrl,
                loadBalancerUrl: sim.loadBalancerUrl, region: 'North'
            });
        });
    });

    it('adds, lists, removes and clears faults; path is a regular expression', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            const added = await call('POST', `${sim.controlUrl}/faults`, {
                body: { service: 'compute', method: 'GET', path: '^/SERVERS$', pathFlags: 'i', status: 429, headers: { 'Retry-After': '7' }, times: 3 }
            });
            expect(added.status).to.equal(201);
            const id = String(obj(added.json).id);
            const listed = obj(arr(obj((await call('GET', `${sim.controlUrl}/faults`)).json).faults)[0]);
            expect(listed).to.equal({ id, remaining: 3, rule: { service: 'compute', method: 'GET', path: '^\\/SERVERS$', pathFlags: 'i', status: 429, headers: { 'Retry-After': '7' }, times: 3 } });

            const limited = await call('GET', `${sim.computeUrl}/servers`, { token });
            expect(limited.status).to.equal(429);
            expect(obj(obj(limited.json).overLimit).retryAfter).to.equal('7');
            expect((await call('GET', `${sim.computeUrl}/servers/detail`, { token })).status).to.equal(200);

            expect((await call('DELETE', `${sim.controlUrl}/faults/${id}`)).status).to.equal(204);
            expect((await call('DELETE', `${sim.controlUrl}/faults/${id}`)).status).to.equal(404);
            expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(200);

            await call('POST', `${sim.controlUrl}/faults`, { body: { passThrough: true, status: 500, body: { boom: 1 } } });
            await call('POST', `${sim.controlUrl}/faults`, { body: { hang: true, delayMs: 5, body: null } });
            const faults = arr(obj((await call('GET', `${sim.controlUrl}/faults`)).json).faults).map(obj);
            expect(faults.map((f) => f.rule)).to.equal([{ passThrough: true, status: 500, body: { boom: 1 } }, { hang: true, delayMs: 5, body: null }]);
            const created = await call('POST', `${sim.computeUrl}/servers`, { token, microversion: '2.37', body: serverBody() });
            expect(created.status).to.equal(500);
            expect(created.json).to.equal({ boom: 1 });
            expect(sim.servers()).to.have.length(1);
            expect((await call('DELETE', `${sim.controlUrl}/faults`)).status).to.equal(204);
            expect(sim.faults.list()).to.equal([]);
        });
    });

    it('takes identity rules, and lists a rule added in process with an exact path', async () => {
        await withSim({}, async (sim) => {
            await call('POST', `${sim.controlUrl}/faults`, { body: { service: 'identity', path: '^/auth/tokens$', status: 500 } });
            sim.faults.add({ path: '/servers', status: 502 });
            const faults = arr(obj((await call('GET', `${sim.controlUrl}/faults`)).json).faults).map((f) => obj(obj(f).rule));
            expect(faults).to.equal([{ service: 'identity', path: '^\\/auth\\/tokens$', status: 500 }, { path: '/servers', status: 502 }]);
            expect((await call('POST', `${sim.authUrl}/auth/tokens`, { body: {} })).status).to.equal(500);
        });
    });

    it('refuses malformed fault rules with 400', async () => {
        await withSim({}, async (sim) => {
            const bodies: unknown[] = [
                '{oops', [], { service: 'glance' }, { path: '(' }, { times: 'twice' }, { times: -1 }, { hang: 'yes' },
                { headers: { 'Retry-After': 5 } }, { headers: 'x' }, { method: 5 }
            ];
            for (const body of bodies) {
                const res = await call('POST', `${sim.controlUrl}/faults`, { body });
                expect(res.status, JSON.stringify(body)).to.equal(400);
                expect(obj(res.json).error).to.be.a.string();
            }

            expect(sim.faults.list()).to.equal([]);
        });
    });

    it('switches the outage', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            expect((await call('PUT', `${sim.controlUrl}/outage`, { body: { on: true, retryAfterS: 5 } })).status).to.equal(204);
            const down = await call('GET', `${sim.computeUrl}/servers`, { token });
            expect(down.status).to.equal(503);
            expect(down.headers['retry-after']).to.equal('5');
            expect((await call('PUT', `${sim.controlUrl}/outage`, { body: { on: false } })).status).to.equal(204);
            expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(200);
            expect((await call('PUT', `${sim.controlUrl}/outage`, { body: {} })).status).to.equal(400);
            expect((await call('PUT', `${sim.controlUrl}/outage`, { body: { on: true, retryAfterS: 'soon' } })).status).to.equal(400);
        });
    });

    it('shows and clears the request log, without its own calls', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            const userAgent = 'nova-autoscale (instance 7f0c2b1e-5d4a-4c3b-9a8e-1f2d3c4b5a69)';
            await call('GET', `${sim.computeUrl}/servers?limit=5`, { token, microversion: '2.40', headers: { 'user-agent': userAgent } });
            await call('POST', `${sim.authUrl}/auth/tokens`, { body: { auth: {} } });
            const log = arr(obj((await call('GET', `${sim.controlUrl}/requests`)).json).requests).map(obj);
            expect(log).to.have.length(2);
            expect(log[0]).to.include({ service: 'compute', method: 'GET', path: '/servers', query: { limit: '5' }, status: 200, microversion: '2.40', userAgent });
            expect(new Date(String(log[0]?.at)).getTime()).to.not.be.NaN();
            expect(log[1]).to.include({ service: 'identity', method: 'POST', path: '/auth/tokens', status: 400, body: { auth: {} } });
            expect(log[1]?.microversion).to.not.exist();
            expect(log[1]?.userAgent).to.not.exist();
            expect((await call('DELETE', `${sim.controlUrl}/requests`)).status).to.equal(204);
            expect(sim.requests).to.have.length(0);
            await call('GET', sim.authUrl);
            sim.clearRequests();
            expect(sim.requests).to.have.length(0);
        });
    });

    it('drains the answered requests from the log, leaving the unanswered for later', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            await call('GET', `${sim.computeUrl}/servers/detail`, { token });
            sim.faults.add({ service: 'compute', method: 'GET', path: '/flavors', hang: true, times: 1 });
            const leaving = new AbortController();
            const hanging = call('GET', `${sim.computeUrl}/flavors`, { token, signal: leaving.signal }).catch(() => null);
            while (sim.requests.length < 2) {
                await new Promise((resolve) => setTimeout(resolve, 5));
            }

            const drained = await call('POST', `${sim.controlUrl}/requests/drain`);
            expect(drained.status).to.equal(200);
            expect(arr(obj(drained.json).requests).map(obj).map((r) => [r.path, r.status])).to.equal([['/servers/detail', 200]]);
            expect(sim.requests.map((r) => [r.path, r.status])).to.equal([['/flavors', 0]]);
            await call('GET', `${sim.computeUrl}/servers/detail`, { token });
            expect(arr(obj((await call('POST', `${sim.controlUrl}/requests/drain`)).json).requests)).to.have.length(1);
            expect(sim.requests).to.have.length(1);
            leaving.abort();
            await hanging;
        });
    });

    it('adds, lists, re-states and deletes servers out of band', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            await createServer(sim, token);
            const added = await call('POST', `${sim.controlUrl}/servers`, { body: { projectId: 'demo', name: 'foreign', metadata: { owner: 'someone' }, status: 'SHUTOFF' } });
            expect(added.status).to.equal(201);
            const server = obj(obj(added.json).server);
            expect(server).to.include({ name: 'foreign', status: 'SHUTOFF', projectId: 'demo', metadata: { owner: 'someone' } });
            await call('POST', `${sim.controlUrl}/servers`, { body: { projectId: DEMO.serviceProject.id, name: 'svc' } });

            expect(arr(obj((await call('GET', `${sim.controlUrl}/servers?projectId=demo`)).json).servers)).to.have.length(2);
            expect(arr(obj((await call('GET', `${sim.controlUrl}/servers`)).json).servers)).to.have.length(3);

            expect((await call('PUT', `${sim.controlUrl}/servers/${String(server.id)}/status`, { body: { status: 'ERROR' } })).status).to.equal(204);
            expect(sim.servers('demo').find((s) => s.id === server.id)?.status).to.equal('ERROR');
            expect((await call('PUT', `${sim.controlUrl}/servers/${String(server.id)}/status`, { body: { status: 'WEIRD' } })).status).to.equal(400);
            expect((await call('PUT', `${sim.controlUrl}/servers/${String(server.id)}/status`, { body: {} })).status).to.equal(400);
            expect((await call('PUT', `${sim.controlUrl}/servers/nope/status`, { body: { status: 'ACTIVE' } })).status).to.equal(404);

            expect((await call('DELETE', `${sim.controlUrl}/servers/${String(server.id)}`)).status).to.equal(204);
            expect((await call('DELETE', `${sim.controlUrl}/servers/${String(server.id)}`)).status).to.equal(404);
            expect(sim.servers('demo')).to.have.length(1);

            expect((await call('POST', `${sim.controlUrl}/servers`, { body: { projectId: 'nope', name: 'x' } })).status).to.equal(400);
            expect((await call('POST', `${sim.controlUrl}/servers`, { body: { projectId: 'demo' } })).status).to.equal(400);
            expect((await call('POST', `${sim.controlUrl}/servers`, { body: { projectId: 'demo', name: 'x', metadata: { a: 1 } } })).status).to.equal(400);
        });
    });

    it('adds servers in bulk and grants roles on a project made later', async () => {
        await withSim({}, async (sim) => {
            expect((await call('POST', `${sim.controlUrl}/projects`, { body: { id: 'p3', name: 'later' } })).status).to.equal(201);
            const granted = await call('POST', `${sim.controlUrl}/grants`, { body: { userName: DEMO.serviceUser.name, projectId: 'p3', role: 'admin' } });
            expect(granted.status).to.equal(204);
            const minted = await call('POST', `${sim.controlUrl}/tokens`, { body: { userName: DEMO.serviceUser.name, projectId: 'p3' } });
            expect(minted.status).to.equal(201);

            const bulk = await call('POST', `${sim.controlUrl}/servers/bulk`, {
                body: { servers: [{ projectId: 'p3', name: 'a', status: 'ACTIVE', metadata: { k: 'v' } }, { projectId: 'p3', name: 'b' }] }
            });
            expect(bulk.status).to.equal(201);
            const ids = arr(obj(bulk.json).ids).map(String);
            expect(sim.servers('p3').map((s) => s.id).sort()).to.equal([...ids].sort());
            expect(sim.servers('p3').find((s) => s.name === 'a')).to.include({ status: 'ACTIVE', metadata: { k: 'v' } });

            expect((await call('POST', `${sim.controlUrl}/servers/bulk`, { body: { servers: 'all' } })).status).to.equal(400);
            expect((await call('POST', `${sim.controlUrl}/servers/bulk`, { body: { servers: [{ projectId: 'p3' }] } })).status).to.equal(400);
            expect((await call('POST', `${sim.controlUrl}/grants`, { body: { userName: 'ghost', projectId: 'p3', role: 'admin' } })).status).to.equal(400);
            expect((await call('POST', `${sim.controlUrl}/grants`, { body: { userName: DEMO.serviceUser.name, projectId: 'p3' } })).status).to.equal(400);
        });
    });

    it('adds projects and users, mints and revokes tokens, deletes users and sets quotas', async () => {
        await withSim({}, async (sim) => {
            const project = await call('POST', `${sim.controlUrl}/projects`, { body: { id: 'p2', name: 'acme', domain: 'Customers' } });
            expect(project.status).to.equal(201);
            expect(obj(project.json).project).to.equal({ id: 'p2', name: 'acme' });
            expect((await call('POST', `${sim.controlUrl}/projects`, { body: { id: 'p2', name: 'again' } })).status).to.equal(400);
            expect(obj(obj((await call('POST', `${sim.controlUrl}/projects`, { body: { name: 'hexed' } })).json).project).id).to.match(/^[0-9a-f]{32}$/);

            const user = await call('POST', `${sim.controlUrl}/users`, {
                body: { name: 'zed', password: 'pw', domain: 'Customers', defaultProjectId: 'p2', roles: [{ projectId: 'p2', role: 'member' }] }
            });
            expect(user.status).to.equal(201);
            expect(obj(obj(user.json).user).name).to.equal('zed');
            expect((await call('POST', `${sim.controlUrl}/users`, { body: { name: 'zed', password: 'pw', domain: 'Customers' } })).status).to.equal(400);
            expect((await call('POST', `${sim.controlUrl}/users`, { body: { name: 'y', password: 'pw', roles: [{ projectId: 'nope', role: 'r' }] } })).status).to.equal(400);
            expect((await call('POST', `${sim.controlUrl}/users`, { body: { name: 'y', password: 'pw', roles: 'all' } })).status).to.equal(400);
            expect((await call('POST', `${sim.controlUrl}/users`, { body: { name: 'y', password: 'pw', defaultProjectId: 'nope' } })).status).to.equal(400);

            // Log in as zed the usual way: a user in another domain.
            const login = await call('POST', `${sim.authUrl}/auth/tokens`, {
                body: { auth: { identity: { methods: ['password'], password: { user: { name: 'zed', password: 'pw', domain: { name: 'Customers' } } } } } }
            });
            expect(obj(obj(obj(login.json).token).project).id).to.equal('p2');

            const minted = await call('POST', `${sim.controlUrl}/tokens`, { body: { userName: 'alice', projectId: 'demo', expiresInS: 60 } });
            expect(minted.status).to.equal(201);
            const token = String(obj(minted.json).token);
            expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(200);
            expect((await call('POST', `${sim.controlUrl}/tokens`, { body: { userName: 'alice', projectId: 'p2' } })).status).to.equal(400);
            expect((await call('POST', `${sim.controlUrl}/tokens`, { body: { userName: 'ghost' } })).status).to.equal(400);
            expect((await call('DELETE', `${sim.controlUrl}/tokens/${token}`)).status).to.equal(204);
            expect((await call('DELETE', `${sim.controlUrl}/tokens/${token}-x`)).status).to.equal(404);
            expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(401);

            expect((await call('PUT', `${sim.controlUrl}/quotas/demo`, { body: { instances: 0 } })).status).to.equal(204);
            const alice = aliceToken(sim);
            expect((await call('POST', `${sim.computeUrl}/servers`, { token: alice, microversion: '2.37', body: serverBody() })).status).to.equal(403);
            expect((await call('PUT', `${sim.controlUrl}/quotas/demo`, { body: { instances: null } })).status).to.equal(204);
            expect((await call('POST', `${sim.computeUrl}/servers`, { token: alice, microversion: '2.37', body: serverBody() })).status).to.equal(202);
            for (const instances of [-1, 1.5, 'many']) {
                expect((await call('PUT', `${sim.controlUrl}/quotas/demo`, { body: { instances } })).status).to.equal(400);
            }

            expect((await call('DELETE', `${sim.controlUrl}/users/alice`)).status).to.equal(204);
            expect((await call('DELETE', `${sim.controlUrl}/users/alice`)).status).to.equal(404);
            expect((await call('GET', `${sim.computeUrl}/servers`, { token: alice })).status).to.equal(401);
        });
    });

    it('answers 404 and 405 for unknown control routes', async () => {
        await withSim({}, async (sim) => {
            expect((await call('GET', `${sim.controlUrl}/nothing`)).status).to.equal(404);
            expect((await call('PATCH', `${sim.controlUrl}/faults`)).status).to.equal(405);
        });
    });

    it('starts from the environment, seeded, printing its addresses', async () => {
        const lines: string[] = [];
        const sim = await runFromEnv({ SIM_BUILD_DELAY_MS: '1000', SIM_MEMBER_DELAY_MS: '60000', SIM_REGION: 'West' }, (line) => lines.push(line));
        try {
            const printed = obj(JSON.parse(lines[0] ?? '') as unknown);
            expect(printed).to.equal({
                authUrl: sim.authUrl, computeUrl: sim.computeUrl, imageUrl: sim.imageUrl, networkUrl: sim.networkUrl, loadBalancerUrl: sim.loadBalancerUrl,
                controlUrl: sim.controlUrl, region: 'West'
            });
            const id = await createServer(sim, aliceToken(sim));
            expect(sim.servers()[0]).to.include({ id, status: 'BUILD' });
            sim.addMember({ poolId: DEMO.loadBalancer.pool.id, address: '10.20.0.9', protocolPort: 80 });
            const token = sim.issueToken({ userName: DEMO.serviceUser.name, projectId: DEMO.demoProject.id });
            const url = `${sim.loadBalancerUrl}/v2/lbaas/pools/${DEMO.loadBalancer.pool.id}/members/${sim.members(DEMO.loadBalancer.pool.id)[0]?.id ?? ''}`;
            expect((await call('DELETE', url, { token })).status).to.equal(204);
            expect(sim.members(DEMO.loadBalancer.pool.id)[0]?.provisioningStatus).to.equal('PENDING_DELETE');
        }
        finally {
            await sim.stop();
        }
    });

    it('runs as a child process driven over /_sim, and exits 0 on SIGTERM', async () => {
        // Load the TypeScript entry point through typescript itself: no build needed.
        const bootstrap = `
            const ts = require('typescript');
            const fs = require('fs');
            require.extensions['.ts'] = (m, file) => m._compile(ts.transpileModule(fs.readFileSync(file, 'utf8'), {
                fileName: file, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true }
            }).outputText, file);
            process.argv[1] = ${JSON.stringify(Path.join(__dirname, '../../simulator/main.ts'))};
            require('module').runMain();
        `;
        const child = spawn(process.execPath, ['-e', bootstrap], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
        try {
            const [chunk] = await once(child.stdout, 'data') as [Buffer];
            const urls = obj(JSON.parse(chunk.toString('utf8')) as unknown);
            const controlUrl = String(urls.controlUrl);
            await call('PUT', `${controlUrl}/outage`, { body: { on: true } });
            const minted = await call('POST', `${controlUrl}/tokens`, { body: { userName: 'alice' } });
            const token = String(obj(minted.json).token);
            expect((await call('GET', `${String(urls.computeUrl)}/servers`, { token })).status).to.equal(503);
            const log = arr(obj((await call('GET', `${controlUrl}/requests`)).json).requests).map(obj);
            expect(log.map((r) => r.status)).to.equal([503]);
        }
        finally {
            const exited = once(child, 'exit');
            child.kill('SIGTERM');
            const [code] = await exited as [number | null];
            expect(code).to.equal(0);
        }
    });
});
