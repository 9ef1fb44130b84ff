import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DEMO } from '../../simulator';
import { aliceToken, arr, call, login, ManualClock, obj, passwordAuth, withSim } from './helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const project = (id: string) => ({ project: { id } });

describe('simulator: Keystone', () => {

    it('serves the v3 version document', async () => {
        await withSim({}, async (sim) => {
            const res = await call('GET', sim.authUrl);
            expect(res.status).to.equal(200);
            const version = obj(obj(res.json).version);
            expect(version.id).to.equal('v3.14');
            expect(arr(version.links)).to.equal([{ rel: 'self', href: `${sim.authUrl}/` }]);
        });
    });

    describe('POST /auth/tokens', () => {

        it('issues a project-scoped token with roles, catalog and Keystone timestamps', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now, tokenTtlS: 600, region: 'RegionTwo' }, async (sim) => {
                const res = await call('POST', `${sim.authUrl}/auth/tokens`, {
                    body: passwordAuth('autoscale', 'secret', { project: { name: 'service', domain: { name: 'Default' } } })
                });
                expect(res.status).to.equal(201);
                expect(String(res.headers['x-subject-token'])).to.startWith('gAAAAA');
                const token = obj(obj(res.json).token);
                expect(token.methods).to.equal(['password']);
                expect(token.issued_at).to.equal('2026-11-25T12:00:00.000000Z');
                expect(token.expires_at).to.equal('2026-11-25T12:10:00.000000Z');
                expect(obj(token.project)).to.include({ id: DEMO.serviceProject.id, name: 'service' });
                expect(obj(obj(token.project).domain)).to.equal({ id: 'default', name: 'Default' });
                expect(obj(token.user)).to.include({ name: 'autoscale' });
                expect(arr(token.roles).map((r) => obj(r).name)).to.equal(['admin']);
                const compute = arr(token.catalog).map(obj).find((s) => s.type === 'compute');
                expect(compute?.name).to.equal('nova');
                const endpoints = arr(compute?.endpoints).map(obj);
                expect(endpoints.map((e) => e.interface)).to.equal(['public', 'internal', 'admin']);
                expect(endpoints[0]).to.include({ region: 'RegionTwo', region_id: 'RegionTwo', url: sim.computeUrl });
                expect(arr(token.catalog).map((s) => obj(s).type)).to.include('identity');
            });
        });

        it('scopes by project id, by name in a domain given by id, and by user id', async () => {
            await withSim({}, async (sim) => {
                const user = sim.addUser({ name: 'bob', password: 'pw', roles: [{ projectId: 'demo', role: 'member' }] });
                const byId = await call('POST', `${sim.authUrl}/auth/tokens`, { body: passwordAuth('alice', 'secret', project('demo')) });
                expect(obj(obj(obj(byId.json).token).project).id).to.equal('demo');
                const byName = await call('POST', `${sim.authUrl}/auth/tokens`, {
                    body: { auth: { identity: { methods: ['password'], password: { user: { name: 'alice', password: 'secret', domain: { id: 'default' } } } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } } }
                });
                expect(obj(obj(obj(byName.json).token).project).id).to.equal('demo');
                const byUserId = await call('POST', `${sim.authUrl}/auth/tokens`, {
                    body: { auth: { identity: { methods: ['password'], password: { user: { id: user.id, password: 'pw' } } } } }
                });
                expect(byUserId.status).to.equal(201);
                expect(obj(obj(byUserId.json).token).project).to.not.exist(); // bob has no default project
            });
        });

        it('defaults to the user\'s default project, and is unscoped without one', async () => {
            await withSim({}, async (sim) => {
                const alice = await call('POST', `${sim.authUrl}/auth/tokens`, { body: passwordAuth('alice', 'secret') });
                expect(obj(obj(obj(alice.json).token).project).id).to.equal('demo');

                sim.addUser({ name: 'carol', password: 'pw', roles: [] });
                const carol = await call('POST', `${sim.authUrl}/auth/tokens`, { body: passwordAuth('carol', 'pw') });
                expect(carol.status).to.equal(201);
                const token = obj(obj(carol.json).token);
                expect(token.project).to.not.exist();
                expect(token.catalog).to.not.exist();
                expect(token.roles).to.not.exist();

                const explicit = await call('POST', `${sim.authUrl}/auth/tokens`, { body: passwordAuth('alice', 'secret', 'unscoped') });
                expect(obj(obj(obj(explicit.json).token).project).id).to.equal('demo');
            });
        });

        it('omits the catalog with ?nocatalog', async () => {
            await withSim({}, async (sim) => {
                const res = await call('POST', `${sim.authUrl}/auth/tokens?nocatalog`, { body: passwordAuth('alice', 'secret') });
                expect(res.status).to.equal(201);
                expect(obj(obj(res.json).token).catalog).to.not.exist();
            });
        });

        it('refuses bad credentials and scopes without a role with 401 in Keystone\'s error shape', async () => {
            await withSim({}, async (sim) => {
                const url = `${sim.authUrl}/auth/tokens`;
                const wrong = await call('POST', url, { body: passwordAuth('alice', 'nope') });
                expect(wrong.status).to.equal(401);
                expect(obj(wrong.json).error).to.equal({ code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' });
                expect((await call('POST', url, { body: passwordAuth('nobody', 'secret') })).status).to.equal(401);
                expect((await call('POST', url, { body: passwordAuth('alice', 'secret', project(DEMO.serviceProject.id)) })).status).to.equal(401);
                expect((await call('POST', url, { body: passwordAuth('alice', 'secret', project('missing')) })).status).to.equal(401);
                expect((await call('POST', url, { body: passwordAuth('alice', 'secret', { project: { name: 'demo', domain: { name: 'Nowhere' } } }) })).status).to.equal(401);
                expect((await call('POST', url, { body: passwordAuth('alice', 'secret', { domain: { id: 'default' } }) })).status).to.equal(401);
                const elsewhere = { auth: { identity: { methods: ['password'], password: { user: { name: 'alice', password: 'secret', domain: { name: 'Nowhere' } } } } } };
                expect((await call('POST', url, { body: elsewhere })).status).to.equal(401);
                expect((await call('POST', url, { body: { auth: { identity: { methods: ['token'], token: { id: 'gAAAAAunknown' } } } } })).status).to.equal(401);
                const unsupported = await call('POST', url, { body: { auth: { identity: { methods: ['totp'], totp: {} } } } });
                expect(unsupported.status).to.equal(401);
                expect(obj(obj(unsupported.json).error).message).to.contain('unsupported method');
            });
        });

        it('answers 400 to malformed bodies', async () => {
            await withSim({}, async (sim) => {
                const url = `${sim.authUrl}/auth/tokens`;
                const broken = await call('POST', url, { body: '{"auth": ' });
                expect(broken.status).to.equal(400);
                expect(obj(obj(broken.json).error)).to.include({ code: 400, title: 'Bad Request' });
                const bodies: unknown[] = [
                    {},
                    { auth: { identity: { methods: [] } } },
                    { auth: { identity: { methods: ['password'] } } },
                    { auth: { identity: { methods: ['password'], password: { user: { name: 'alice' } } } } },
                    { auth: { identity: { methods: ['password'], password: { user: { password: 'secret' } } } } },
                    { auth: { identity: { methods: ['password'], password: { user: { name: 'alice', password: 'secret' } } } } },
                    { auth: { identity: { methods: ['token'], token: {} } } },
                    passwordAuth('alice', 'secret', 42),
                    passwordAuth('alice', 'secret', { project: {} }),
                    passwordAuth('alice', 'secret', { project: { name: 'demo' } }),
                    { auth: { identity: { methods: ['password'], password: { user: { name: 'alice', password: 'secret', domain: {} } } } } },
                    { auth: { identity: { methods: [1] } } },
                    { auth: { identity: { methods: 'password' } } },
                    { auth: { identity: { methods: ['token'], token: 'gAAAAA' } } },
                    'null',
                    '[]'
                ];
                for (const body of bodies) {
                    const res = await call('POST', url, { body });
                    expect(res.status, JSON.stringify(body)).to.equal(400);
                }
            });
        });

        it('rescopes with the token method, keeping the expiry', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now }, async (sim) => {
                const unscoped = sim.issueToken({ userName: 'autoscale', expiresInS: 100 });
                clock.advance(10_000);
                const res = await call('POST', `${sim.authUrl}/auth/tokens`, {
                    body: { auth: { identity: { methods: ['token'], token: { id: unscoped } }, scope: project('demo') } }
                });
                expect(res.status).to.equal(201);
                const token = obj(obj(res.json).token);
                expect(token.methods).to.equal(['token']);
                expect(obj(token.project).id).to.equal('demo');
                expect(token.expires_at).to.equal('2026-11-25T12:01:40.000000Z');
                sim.revokeToken(unscoped);
                const again = await call('POST', `${sim.authUrl}/auth/tokens`, { body: { auth: { identity: { methods: ['token'], token: { id: unscoped } } } } });
                expect(again.status).to.equal(401);
            });
        });

        it('answers 405 and 404 for other methods and paths', async () => {
            await withSim({}, async (sim) => {
                expect((await call('PUT', `${sim.authUrl}/auth/tokens`)).status).to.equal(405);
                const missing = await call('GET', `${sim.authUrl}/users`);
                expect(missing.status).to.equal(404);
                expect(obj(obj(missing.json).error).title).to.equal('Not Found');
            });
        });
    });

    describe('GET /auth/tokens', () => {

        const validate = (authUrl: string, caller: string | undefined, subject: string, query = '') =>
            call('GET', `${authUrl}/auth/tokens${query}`, { ...(caller === undefined ? {} : { token: caller }), headers: { 'x-subject-token': subject } });

        it('lets the service account validate a customer token (200, same body, no catalog on request)', async () => {
            await withSim({}, async (sim) => {
                const service = await login(sim, 'autoscale', 'secret', { project: { name: 'service', domain: { name: 'Default' } } });
                const customer = await login(sim, 'alice', 'secret');
                const res = await validate(sim.authUrl, service, customer);
                expect(res.status).to.equal(200);
                expect(res.headers['x-subject-token']).to.equal(customer);
                const token = obj(obj(res.json).token);
                expect(obj(token.user).name).to.equal('alice');
                expect(obj(token.project).id).to.equal('demo');
                expect(arr(token.roles).map((r) => obj(r).name)).to.equal(['member']);
                expect(token.catalog).to.exist();
                const bare = await validate(sim.authUrl, service, customer, '?nocatalog');
                expect(obj(obj(bare.json).token).catalog).to.not.exist();
            });
        });

        it('lets a token validate itself but not another (403)', async () => {
            await withSim({}, async (sim) => {
                const alice = aliceToken(sim);
                sim.addUser({ name: 'dave', password: 'pw', defaultProjectId: 'demo', roles: [{ projectId: 'demo', role: 'member' }] });
                const dave = sim.issueToken({ userName: 'dave' });
                expect((await validate(sim.authUrl, alice, alice)).status).to.equal(200);
                const other = await validate(sim.authUrl, alice, dave);
                expect(other.status).to.equal(403);
                expect(obj(obj(other.json).error).title).to.equal('Forbidden');
            });
        });

        it('accepts the service role too', async () => {
            await withSim({}, async (sim) => {
                sim.addUser({ name: 'nova', password: 'pw', defaultProjectId: DEMO.serviceProject.id, roles: [{ projectId: DEMO.serviceProject.id, role: 'service' }] });
                const res = await validate(sim.authUrl, sim.issueToken({ userName: 'nova' }), aliceToken(sim));
                expect(res.status).to.equal(200);
            });
        });

        it('answers 401 without a valid caller token', async () => {
            await withSim({}, async (sim) => {
                const alice = aliceToken(sim);
                expect((await validate(sim.authUrl, undefined, alice)).status).to.equal(401);
                expect((await validate(sim.authUrl, 'gAAAAAbogus', alice)).status).to.equal(401);
            });
        });

        it('answers 404 for unknown, revoked and expired subjects', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now }, async (sim) => {
                const service = sim.issueToken({ userName: 'autoscale', expiresInS: 3600 });
                const revoked = aliceToken(sim);
                sim.revokeToken(revoked);
                const shortLived = sim.issueToken({ userName: 'alice', expiresInS: 60 });
                expect((await validate(sim.authUrl, service, shortLived)).status).to.equal(200);
                clock.advance(60_000);
                expect((await validate(sim.authUrl, service, shortLived)).status).to.equal(404);
                const gone = await validate(sim.authUrl, service, revoked);
                expect(gone.status).to.equal(404);
                expect(obj(obj(gone.json).error).message).to.contain('Could not find token');
                expect((await validate(sim.authUrl, service, 'gAAAAAunknown')).status).to.equal(404);
                const noSubject = await call('GET', `${sim.authUrl}/auth/tokens`, { token: service });
                expect(noSubject.status).to.equal(404);
            });
        });

        it('invalidates the tokens of a deleted user', async () => {
            await withSim({}, async (sim) => {
                const service = sim.issueToken({ userName: 'autoscale' });
                const alice = aliceToken(sim);
                expect(sim.deleteUser('alice')).to.be.true();
                expect(sim.deleteUser('alice')).to.be.false();
                expect((await validate(sim.authUrl, service, alice)).status).to.equal(404);
                expect((await call('POST', `${sim.authUrl}/auth/tokens`, { body: passwordAuth('alice', 'secret') })).status).to.equal(401);
            });
        });

        it('answers HEAD with the status only', async () => {
            await withSim({}, async (sim) => {
                const service = sim.issueToken({ userName: 'autoscale' });
                const ok = await call('HEAD', `${sim.authUrl}/auth/tokens`, { token: service, headers: { 'x-subject-token': aliceToken(sim) } });
                expect(ok.status).to.equal(200);
                expect(ok.text).to.equal('');
                const missing = await call('HEAD', `${sim.authUrl}/auth/tokens`, { token: service, headers: { 'x-subject-token': 'nope' } });
                expect(missing.status).to.equal(404);
                const anonymous = await call('HEAD', `${sim.authUrl}/auth/tokens`, { headers: { 'x-subject-token': 'nope' } });
                expect(anonymous.status).to.equal(401);
            });
        });

        it('revokes with DELETE', async () => {
            await withSim({}, async (sim) => {
                const service = sim.issueToken({ userName: 'autoscale' });
                const alice = aliceToken(sim);
                const del = (subject: string, caller = service) => call('DELETE', `${sim.authUrl}/auth/tokens`, { token: caller, headers: { 'x-subject-token': subject } });
                expect((await del(alice, alice)).status).to.equal(204);
                expect((await validate(sim.authUrl, service, alice)).status).to.equal(404);
                expect((await del(alice)).status).to.equal(404);
                expect((await del(service, aliceToken(sim))).status).to.equal(403);
            });
        });
    });
});
