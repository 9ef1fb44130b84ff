// A database out of reach is a 503 with Retry-After (contract §4), never a
// 500, and nothing is accepted that could not be written. The outage is made
// real: PostgreSQL behind a TCP relay the test cuts, under one plugin instance,
// and under two of one cluster in the middle of a scale-up. Without PostgreSQL
// (the PGlite run) that part is reported skipped; the classification runs always.
import * as Code from '@hapi/code';
import Hapi from '@hapi/hapi';
import * as Lab from '@hapi/lab';
import { createServer, connect, type Server as NetServer, type Socket } from 'node:net';
import { DomainError } from '../core/model/errors';
import type { TokenInfo } from '../core/ports/identity';
import { guardReach, unreachable } from '../adapters/store/unreachable';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupMetadataKey, intentMetadataKey } from '../core/model/ledger';
import { plugin, type PluginOptions } from '../plugin';
import { DEMO, demoServiceAccount, startSimulator } from '../simulator';
import { tableValidator } from './support/identity';
import { scratchDatabase, tenantSnapshot, testKnex } from './support/database';
import { bodyFor } from './support/route-bodies';
import { caller, field, freshTenant, validGroup, webhookPolicy } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

// knex reports each failed connection on the console; the test asserts the answers instead.
const quiet = { warn: () => undefined, error: () => undefined, debug: () => undefined, deprecate: () => undefined };

const coded = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });
const named = (name: string, message = 'x'): Error => Object.assign(new Error(message), { name });

describe('the database out of reach', () => {

    describe('unreachable', () => {

        const rows: [string, unknown, boolean][] = [
            ['a refused connection', coded('ECONNREFUSED'), true],
            ['a reset connection', coded('ECONNRESET'), true],
            ['a name that does not resolve', coded('ENOTFOUND'), true],
            ['PostgreSQL shutting down (57P01)', coded('57P01'), true],
            ['a connection exception (08006)', coded('08006'), true],
            ['too many connections (53300)', coded('53300'), true],
            ['every address refused, as one AggregateError', new AggregateError([coded('ECONNREFUSED')], 'connect'), true],
            ['knex waiting for a connection in vain', named('KnexTimeoutError', 'Knex: Timeout acquiring a connection.'), true],
            ['pg\'s connection that ended under a query', new Error('Connection terminated unexpectedly'), true],
            ['a unique violation (23505): a bug or a race, not an outage', coded('23505'), false],
            ['a syntax error (42601)', coded('42601'), false],
            ['an AggregateError of other things', new AggregateError([new Error('x')], 'y'), false],
            ['a domain error', new DomainError('conflict', 'X', 'y'), false],
            ['a thrown string', 'ECONNREFUSED', false]
        ];
        for (const [name, err, expected] of rows) {
            it(`${expected ? 'is' : 'is not'}: ${name}`, () => {
                expect(unreachable(err)).to.equal(expected);
            });
        }

        it('turns a port\'s unreachable failure into a 503-kind error, and leaves every other failure and value as it is', async () => {
            const port = guardReach({
                kind: 'postgres' as const,
                down: () => Promise.reject(coded('ECONNREFUSED')),
                bug: () => Promise.reject(coded('23505')),
                fine: (n: number) => Promise.resolve(n + 1)
            });
            expect(port.kind).to.equal('postgres');
            expect(await port.fine(1)).to.equal(2);
            const down = await expect(port.down()).to.reject(DomainError);
            expect([down.kind, down.type]).to.equal(['unavailable', 'ServiceUnavailableError']);
            expect((await expect(port.bug()).to.reject()) as Error & { code: string }).to.include({ code: '23505' });
        });
    });

    const url = process.env.DATABASE_URL;
    const skip = !url;
    describe(skip ? 'over HTTP (skipped: needs PostgreSQL, DATABASE_URL unset)' : 'over HTTP', { skip }, () => {
        let relay: NetServer;
        const sockets = new Set<Socket>();
        let server: Hapi.Server;
        const tenant = freshTenant();
        const info: TokenInfo = { userId: 'u', userName: 'u', projectId: tenant, projectName: tenant, roles: ['member'], expiresAt: new Date(Date.now() + 3_600_000) };
        const operator: TokenInfo = { ...info, userId: 'op', userName: 'op', projectId: 'admin', projectName: 'admin', roles: ['admin'] };

        // PostgreSQL behind a relay on `port` (0: any); cutting it closes every connection through it.
        const startRelay = async (port: number): Promise<number> => {
            const target = new URL(url ?? '');
            relay = createServer((client) => {
                const upstream = connect(Number(target.port || 5432), target.hostname);
                for (const s of [client, upstream]) {
                    sockets.add(s);
                    s.on('close', () => sockets.delete(s));
                    s.on('error', () => undefined);
                }

                client.pipe(upstream).pipe(client);
            });
            await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
            return (relay.address() as { port: number }).port;
        };

        const cutRelay = (): void => {
            relay.close();
            for (const s of sockets) {
                s.destroy();
            }
        };

        let relayPort = 0;

        interface RouteIds {
            readonly tenant: string; readonly groupId: string; readonly policyId: string; readonly webhookId: string; readonly serverId: string;
            readonly capability: string;   // the capability URL's path
        }

        // All but the host-wide catch-all (a 404 for what is no route), /limits,
        // which reads only the plugin's configuration, the OpenAPI document, made
        // from the routes, the metrics, which answer without their gauges, and
        // the operator page's files, read at register.
        const answering = new Set(['/autoscale/openapi.json', '/autoscale/metrics']);
        const outageRoutes = (host: Hapi.Server): Hapi.RequestRoute[] =>
            host.table().filter((r) => r.path.startsWith('/autoscale/') && r.method !== '*' && !r.path.endsWith('/limits') && !answering.has(r.path)
                && !r.path.startsWith('/autoscale/admin/ui'));

        // A request that never ends is a failure too, not a test that hangs.
        const REQUEST_DEADLINE_MS = 5_000;

        // null when the route answers as an outage must (contract §4): 503
        // ServiceUnavailableError with Retry-After, /health in its own shape
        // (contract §1); otherwise what it answered.
        const outageAnswer = async (host: Hapi.Server, route: Hapi.RequestRoute, ids: RouteIds): Promise<string | null> => {
            const method = route.method.toUpperCase();
            const url = route.path.replace('{tenantId}', ids.tenant).replace('{groupId}', ids.groupId).replace('{policyId}', ids.policyId)
                .replace('{webhookId}', ids.webhookId).replace('{serverId}', ids.serverId).replace('{scope}', 'global')
                .replace('{capability*}', ids.capability.split('/execute/1/')[1] ?? '').replace('{token}', 'a'.repeat(64));
            const body = route.path.includes('/workflow/1/') ? { result: 'continue' } : bodyFor(method, route.path);
            const deadline = new AbortController();
            const res = await Promise.race([
                host.inject({
                    method, url, headers: { 'x-auth-token': route.path.startsWith('/autoscale/admin/') ? 'adm' : 'tok' },
                    ...(body === undefined ? {} : { payload: body as object })
                }),
                sleep(REQUEST_DEADLINE_MS, null, { signal: deadline.signal }).catch(() => null)
            ]).finally(() => deadline.abort());
            if (res === null) {
                return `${method} ${route.path}: no answer within ${REQUEST_DEADLINE_MS} ms`;
            }

            const health = route.path === '/autoscale/health' && field(res.result, 'status') === 'database unavailable';
            const outage = health || (field(res.result, 'error', 'type') === 'ServiceUnavailableError' && res.headers['retry-after'] === '5');
            return res.statusCode === 503 && outage ? null : `${method} ${route.path}: ${res.statusCode} ${res.payload.slice(0, 120)}`;
        };

        before(async () => {
            relayPort = await startRelay(0);
            const relayed = new URL(url ?? '');
            relayed.hostname = '127.0.0.1';
            relayed.port = String(relayPort);
            server = Hapi.server();
            await server.register({
                plugin,
                options: {
                    schedules: { intervalMs: 0 },
                    database: { config: { client: 'pg', connection: relayed.toString(), pool: { min: 0, max: 2 }, acquireConnectionTimeout: 2_000, log: quiet } },
                    openstack: { tokenValidator: { validate: (token) => Promise.resolve(token === 'adm' ? operator : info) } }
                }
            }, { routes: { prefix: '/autoscale' } });
            await server.initialize();
        });

        after(async () => {
            await server.stop();
            cutRelay();
        });

        it('answers 503 with Retry-After while the database cannot be reached, and takes the same request once it can', async () => {
            const api = caller(server, 'tok');
            expect((await api('GET', `/${tenant}/groups`)).statusCode).to.equal(200);

            // The cut: live connections die, and no new one gets through.
            cutRelay();

            for (const [method, path, body] of [['GET', `/${tenant}/groups`, undefined], ['POST', `/${tenant}/groups`, validGroup('during')]] as const) {
                const res = await api(method, path, body);
                expect(res.statusCode, `${method} ${res.payload}`).to.equal(503);
                expect(field(res.result, 'error', 'type')).to.equal('ServiceUnavailableError');
                expect(res.headers['retry-after']).to.equal('5');
            }

            // Back: the relay again, on the same port.
            await startRelay(relayPort);
            const listed = await api('GET', `/${tenant}/groups`);
            expect(listed.statusCode, listed.payload).to.equal(200);
            expect(field(listed.result, 'groups')).to.equal([]);
        });

        it('answers 503 with Retry-After on every route of the plugin while the database is cut, and writes nothing', async () => {
            const api = caller(server, 'tok');
            const created = await api('POST', `/${tenant}/groups`, { ...validGroup('all-routes'), scalingPolicies: [webhookPolicy()] });
            expect(created.statusCode, created.payload).to.equal(201);
            const groupId = String(field(created.result, 'group', 'id'));
            const policyId = String(field(created.result, 'group', 'scalingPolicies', 0, 'id'));
            const hooks = await api('POST', `/${tenant}/groups/${groupId}/policies/${policyId}/webhooks`, [{ name: 'w' }]);
            const webhookId = String(field(hooks.result, 'webhooks', 0, 'id'));
            const links = field(hooks.result, 'webhooks', 0, 'links') as { rel: string; href: string }[];
            const capability = new URL(links.find((l) => l.rel === 'capability')?.href ?? '').pathname;
            const now = new Date();
            await (await testKnex())('servers').insert({ intent_id: `intent-${groupId}`, group_id: groupId, server_id: `srv-${groupId}`, state: 'active', created_at: now, updated_at: now });
            const before = await tenantSnapshot(tenant);

            cutRelay();
            const ids: RouteIds = { tenant, groupId, policyId, webhookId, serverId: `srv-${groupId}`, capability };
            const routes = outageRoutes(server);
            expect(routes.length).to.be.at.least(30);
            const answered: string[] = [];
            for (const route of routes) {
                const wrong = await outageAnswer(server, route, ids);
                if (wrong !== null) {
                    answered.push(wrong);
                }
            }

            // The metrics still answer, their counts without the gauges the database gives.
            const metrics = await caller(server, 'adm')('GET', '/autoscale/metrics');
            expect(metrics.statusCode).to.equal(200);
            expect(metrics.payload).to.contain('nova_autoscale_decisions_total');
            expect(metrics.payload).to.not.match(/^nova_autoscale_groups\{/m);

            // The operator page's files, read at register, still load: the page then shows what its calls meet.
            const page = await Promise.all(['', '/app.js', '/app.css'].map(async (file) => (await server.inject(`/autoscale/admin/ui${file}`)).statusCode));
            await startRelay(relayPort);
            expect(answered).to.equal([]);
            expect(page).to.equal([200, 200, 200]);
            expect(await tenantSnapshot(tenant)).to.equal(before);
        });

        it('converges through a cut: no server made whose ledger row could not be written, and the group goes on within seconds of the return', async () => {
            const sim = await startSimulator({ demo: true, buildDelayMs: 0 });
            const project = `p${randomUUID().replace(/-/g, '').slice(0, 12)}`;
            sim.addProject({ id: project, name: project });
            sim.grantRole({ userName: DEMO.serviceUser.name, projectId: project, role: 'admin' });
            const relayed = new URL(url ?? '');
            relayed.hostname = '127.0.0.1';
            relayed.port = String(relayPort);
            const host = Hapi.server();
            await host.register({
                plugin,
                options: {
                    schedules: { intervalMs: 0 },
                    database: { config: { client: 'pg', connection: relayed.toString(), pool: { min: 0, max: 4 }, acquireConnectionTimeout: 1_000, log: quiet } },
                    openstack: { tokenValidator: tableValidator({ tok: { projectId: project } }), serviceAccount: demoServiceAccount(sim) },
                    converger: { recheckMs: 200, backoffBaseMs: 0, stormGuard: false, createBudget: { createsPerS: 4, burst: 1 } },
                    supervisor: { debounceMs: 0 }, alerts: { intervalMs: 0, pruneIntervalMs: 0 }
                }
            }, { routes: { prefix: '/autoscale' } });
            await host.start();
            const knex = await testKnex();
            // Every server Nova holds for the group carries an intent the ledger has.
            const unrecorded = async (groupId: string): Promise<string[]> => {
                const intents = new Set((await knex('servers').where({ group_id: groupId }).select('intent_id')).map((r: { intent_id: string }) => r.intent_id));
                return sim.servers(project).filter((s) => s.metadata[groupMetadataKey] === groupId && !intents.has(String(s.metadata[intentMetadataKey])))
                    .map((s) => s.id);
            };
            try {
                const api = caller(host, 'tok');
                const created = await api('POST', `/${project}/groups`, {
                    groupConfiguration: { name: 'outage', cooldown: 0, minEntities: 0, maxEntities: 10 },
                    launchConfiguration: { type: 'launch_server', args: { server: { name: 'o', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: 'none' } } },
                    scalingPolicies: [{ name: 'six', cooldown: 0, type: 'webhook', desiredCapacity: 6 }]
                });
                expect(created.statusCode, created.payload).to.equal(201);
                const groupId = String(field(created.result, 'group', 'id'));
                const policyId = String(field(created.result, 'group', 'scalingPolicies', 0, 'id'));
                expect((await api('POST', `/${project}/groups/${groupId}/policies/${policyId}/execute`)).statusCode).to.equal(202);
                // Cut as the run starts: whatever it could not write first, it does not send.
                cutRelay();
                const during: string[][] = [];
                for (let i = 0; i < 8; i++) {
                    await sleep(250);
                    during.push(await unrecorded(groupId));
                }

                await startRelay(relayPort);
                const back = Date.now();
                let active = 0;
                while (Date.now() - back < 15_000 && active < 6) {
                    await sleep(200);
                    active = Number((await knex('servers').where({ group_id: groupId, state: 'active' }).count({ n: '*' }))[0]?.n);
                }

                expect(active).to.equal(6);
                expect(Date.now() - back).to.be.below(15_000);
                expect(during.flat()).to.equal([]);
                expect(await unrecorded(groupId)).to.equal([]);
                expect(sim.servers(project).filter((s) => s.metadata[groupMetadataKey] === groupId)).to.have.length(6);
            }
            finally {
                await host.stop();
                await sim.stop();
            }
        });

        it('two instances through a 10 s cut during a scale-up: only 503s with Retry-After from both, no create without its ledger row, exactly desired servers within seconds of the return', { timeout: 90_000 }, async () => {
            // A database of its own: each instance's sweep looks at every group in it.
            const scratch = await scratchDatabase();
            const sim = await startSimulator({ demo: true, buildDelayMs: 1_500 });
            const project = `p${randomUUID().replace(/-/g, '').slice(0, 12)}`;
            sim.addProject({ id: project, name: project });
            sim.grantRole({ userName: DEMO.serviceUser.name, projectId: project, role: 'admin' });
            const relayed = new URL(scratch.url ?? '');
            relayed.hostname = '127.0.0.1';
            relayed.port = String(relayPort);
            // Two instances of one cluster, each its own pool through the relay.
            // Two creates a second between them, one at a time: the scale-up
            // takes several seconds, and the cut lands in the middle of it.
            const options: PluginOptions = {
                schedules: { intervalMs: 0 },
                database: { config: { client: 'pg', connection: relayed.toString(), pool: { min: 0, max: 4 }, acquireConnectionTimeout: 2_000, log: quiet } },
                openstack: {
                    tokenValidator: tableValidator({ tok: { projectId: project }, adm: { projectId: 'admin', roles: ['admin'] } }),
                    serviceAccount: demoServiceAccount(sim)
                },
                intervals: { convergeS: 2 },
                converger: { recheckMs: 200, backoffBaseMs: 0, stormGuard: false, createBudget: { createsPerS: 2, burst: 1 } },
                supervisor: { debounceMs: 0 }, alerts: { intervalMs: 0, pruneIntervalMs: 0 }
            };
            const hosts: Hapi.Server[] = [];
            const knex = scratch.db.knex;    // straight to PostgreSQL, not through the relay: the test's eyes during the cut
            try {
                for (let i = 0; i < 2; i++) {
                    const host = Hapi.server();
                    await host.register({ plugin, options }, { routes: { prefix: '/autoscale' } });
                    await host.initialize();
                    hosts.push(host);
                }

                const apis = hosts.map((host) => caller(host, 'tok'));
                const desired = 4;
                const groups: { groupId: string; policyId: string }[] = [];
                for (let i = 0; i < 4; i++) {
                    const created = await apis[i % 2]!('POST', `/${project}/groups`, {
                        groupConfiguration: { name: `outage-${i}`, cooldown: 0, minEntities: 0, maxEntities: 10 },
                        launchConfiguration: { type: 'launch_server', args: { server: { name: 'o', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: 'none' } } },
                        scalingPolicies: [{ name: 'up', cooldown: 0, type: 'webhook', desiredCapacity: desired }]
                    });
                    expect(created.statusCode, created.payload).to.equal(201);
                    groups.push({ groupId: String(field(created.result, 'group', 'id')), policyId: String(field(created.result, 'group', 'scalingPolicies', 0, 'id')) });
                }

                const [first] = groups as [{ groupId: string; policyId: string }];
                const hooks = await apis[0]!('POST', `/${project}/groups/${first.groupId}/policies/${first.policyId}/webhooks`, [{ name: 'w' }]);
                expect(hooks.statusCode, hooks.payload).to.equal(201);
                const links = field(hooks.result, 'webhooks', 0, 'links') as { rel: string; href: string }[];
                const ids: RouteIds = {
                    tenant: project, groupId: first.groupId, policyId: first.policyId, webhookId: String(field(hooks.result, 'webhooks', 0, 'id')),
                    serverId: `srv-${first.groupId}`, capability: new URL(links.find((l) => l.rel === 'capability')?.href ?? '').pathname
                };

                // Each group's trigger to one instance or the other: each kicks its own converger.
                for (const [i, g] of groups.entries()) {
                    const res = await apis[i % 2]!('POST', `/${project}/groups/${g.groupId}/policies/${g.policyId}/execute`);
                    expect(res.statusCode, res.payload).to.equal(202);
                }

                const creates = () => sim.requests.filter((r) => r.service === 'compute' && r.method === 'POST' && r.path === '/servers');
                const intentOf = (body: unknown): string => String(field(body, 'server', 'metadata', intentMetadataKey));
                const groupOf = (body: unknown): string => String(field(body, 'server', 'metadata', groupMetadataKey));
                // Creates Nova was sent whose intent the ledger lacks (for the group the create names).
                const unrecorded = async (): Promise<string[]> => {
                    const rows: { intent_id: string; group_id: string }[] = await knex('servers').select('intent_id', 'group_id');
                    const ledger = new Set(rows.map((r) => `${r.group_id}/${r.intent_id}`));
                    return creates().map((r) => `${groupOf(r.body)}/${intentOf(r.body)}`).filter((key) => !ledger.has(key));
                };

                // The cut once the scale-up is under way, with most of it still to come.
                const started = Date.now();
                while (creates().length < 3 && Date.now() - started < 20_000) {
                    await sleep(50);
                }

                const holders: string[] = await knex('group_leases').pluck('holder');
                const before = creates().length;
                expect(before).to.be.within(3, groups.length * desired - 6);
                cutRelay();
                const cutAt = Date.now();
                const routes = hosts.map(outageRoutes);
                const wrong: string[] = [];
                const during: string[][] = [];
                let sent = 0;
                let slowestMs = 0;
                while (Date.now() - cutAt < 10_000) {
                    // Every route, on both instances at once; what the converger sends meanwhile is watched.
                    await Promise.all(hosts.map(async (host, h) => {
                        for (const route of routes[h]!) {
                            if (Date.now() - cutAt >= 10_000) {
                                return;
                            }

                            const at = Date.now();
                            const answer = await outageAnswer(host, route, ids);
                            slowestMs = Math.max(slowestMs, Date.now() - at);
                            sent++;
                            if (answer !== null) {
                                wrong.push(`instance ${h}: ${answer}`);
                            }
                        }
                    }));
                    during.push(await unrecorded());
                    await sleep(50);
                }

                const sentDuring = creates().length - before;
                await startRelay(relayPort);
                const back = Date.now();
                // Every group exactly at desired: so many ACTIVE servers in Nova and
                // nothing else naming it, and the ledger's live rows those servers.
                const settled = async (): Promise<boolean> => {
                    const rows: { group_id: string; server_id: string | null; state: string }[] = await knex('servers').whereNot({ state: 'gone' }).select('group_id', 'server_id', 'state');
                    return groups.every(({ groupId }) => {
                        const inNova = sim.servers(project).filter((s) => s.metadata[groupMetadataKey] === groupId);
                        const live = rows.filter((r) => r.group_id === groupId);
                        return inNova.length === desired && inNova.every((s) => s.status === 'ACTIVE' && s.taskState === null) &&
                            live.length === desired && live.every((r) => r.state === 'active') &&
                            inNova.map((s) => s.id).sort().join() === live.map((r) => r.server_id).sort().join();
                    });
                };

                // The creates left take about 8 s at two a second, and a build 1.5 s: 20 s
                // is room for a loaded machine, and short of a lease left to lapse (30 s
                // from its last renewal) or an intent left in flight (the build timeout).
                while (Date.now() - back < 20_000 && !(await settled())) {
                    await sleep(200);
                }

                const convergedMs = Date.now() - back;
                // Nothing more comes once it is there.
                await sleep(1_000);
                const stillSettled = await settled();
                const sentIntents = creates().map((r) => intentOf(r.body));
                if (process.env.OUTAGE_VERBOSE) {
                    console.log(JSON.stringify({
                        leaseHoldersAtCut: holders.map((h) => h.split('/')[0]).filter((v, i, all) => all.indexOf(v) === i).length,
                        createsBeforeCut: before, createsDuringCut: sentDuring, requestsDuringCut: sent, slowestMs, convergedMs, creates: sentIntents.length
                    }));
                }

                expect(wrong).to.equal([]);
                expect(sent).to.be.at.least(2 * routes[0]!.length);
                expect(during.flat()).to.equal([]);
                expect(convergedMs, `not converged ${convergedMs} ms after the return`).to.be.below(20_000);
                expect(stillSettled).to.be.true();
                expect(await unrecorded()).to.equal([]);
                expect(new Set(sentIntents).size, 'an intent sent twice').to.equal(sentIntents.length);
                expect(sentIntents).to.have.length(groups.length * desired);     // nothing beyond desired was ever made
            }
            finally {
                if (!relay.listening) {
                    await startRelay(relayPort);     // a failure during the cut: the instances stop on a database they reach
                }

                await Promise.all(hosts.map((host) => host.stop()));
                await sim.stop();
                await scratch.drop();
            }
        });
    });
});
