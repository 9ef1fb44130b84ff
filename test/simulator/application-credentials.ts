import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DEMO, type Simulator } from '../../simulator';
import { arr, call, login, ManualClock, obj, withSim } from './helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const SERVICE_ROLES = [{ projectId: DEMO.demoProject.id, role: 'member' }, { projectId: DEMO.demoProject.id, role: 'reader' }];

// bob, member and reader on demo, signed in there; his user id.
const bob = async (sim: Simulator): Promise<{ token: string; userId: string }> => {
    const user = sim.addUser({ name: 'bob', password: 'pw', roles: SERVICE_ROLES });
    return { token: await login(sim, 'bob', 'pw', { project: { id: DEMO.demoProject.id } }), userId: user.id };
};

const create = (sim: Simulator, userId: string, token: string, body: unknown) =>
    call('POST', `${sim.authUrl}/users/${userId}/application_credentials`, { token, body: { application_credential: body } });

const credentialAuth = (credential: Record<string, unknown>) =>
    ({ auth: { identity: { methods: ['application_credential'], application_credential: credential } } });

describe('simulator: Keystone application credentials', () => {

    it('makes one for the caller\'s project with the roles asked for, shows the secret once, and issues tokens bound to them', async () => {
        await withSim({}, async (sim) => {
            const { token, userId } = await bob(sim);
            const made = await create(sim, userId, token, { name: 'scaler', secret: 'chosen-secret', roles: [{ name: 'reader' }] });
            expect(made.status).to.equal(201);
            const credential = obj(obj(made.json).application_credential);
            expect(credential).to.include({ name: 'scaler', project_id: DEMO.demoProject.id, secret: 'chosen-secret', expires_at: null, unrestricted: false });
            expect(credential.roles).to.equal([{ name: 'reader' }]);

            const issued = await call('POST', `${sim.authUrl}/auth/tokens`, { body: credentialAuth({ id: credential.id, secret: 'chosen-secret' }) });
            expect(issued.status).to.equal(201);
            const body = obj(obj(issued.json).token);
            expect(obj(body.project).id).to.equal(DEMO.demoProject.id);
            expect(arr(body.roles).map((r) => obj(r).name)).to.equal(['reader']);
            expect(body.methods).to.equal(['application_credential']);
            expect(obj(body.application_credential)).to.equal({ id: credential.id, name: 'scaler', restricted: true });

            // By name, with its user by name and domain.
            const byName = await call('POST', `${sim.authUrl}/auth/tokens`, {
                body: credentialAuth({ name: 'scaler', user: { name: 'bob', domain: { name: 'Default' } }, secret: 'chosen-secret' })
            });
            expect(byName.status).to.equal(201);
        });
    });

    it('refuses a scope, a wrong secret, a name without its user, and rescoping its token', async () => {
        await withSim({}, async (sim) => {
            const { token, userId } = await bob(sim);
            const credential = obj(obj((await create(sim, userId, token, { name: 'scaler' })).json).application_credential);
            const secret = String(credential.secret);
            expect(secret.length).to.be.above(20);

            const scoped = await call('POST', `${sim.authUrl}/auth/tokens`, { body: { ...credentialAuth({ id: credential.id, secret }), auth: { ...credentialAuth({ id: credential.id, secret }).auth, scope: { project: { id: DEMO.demoProject.id } } } } });
            expect([scoped.status, obj(obj(scoped.json).error).message]).to.equal([401, 'Error authenticating with application credential: Application credentials cannot request a scope.']);
            expect((await call('POST', `${sim.authUrl}/auth/tokens`, { body: credentialAuth({ id: credential.id, secret: 'wrong' }) })).status).to.equal(401);
            expect((await call('POST', `${sim.authUrl}/auth/tokens`, { body: credentialAuth({ name: 'scaler', secret }) })).status).to.equal(400);
            expect((await call('POST', `${sim.authUrl}/auth/tokens`, { body: credentialAuth({ secret }) })).status).to.equal(400);
            expect((await call('POST', `${sim.authUrl}/auth/tokens`, { body: credentialAuth({ id: credential.id }) })).status).to.equal(400);

            const issued = await call('POST', `${sim.authUrl}/auth/tokens`, { body: credentialAuth({ id: credential.id, secret }) });
            const rescope = await call('POST', `${sim.authUrl}/auth/tokens`, {
                body: { auth: { identity: { methods: ['token'], token: { id: String(issued.headers['x-subject-token']) } }, scope: { project: { id: DEMO.demoProject.id } } } }
            });
            expect([rescope.status, obj(obj(rescope.json).error).message]).to.equal([403, 'You are not authorized to perform the requested action: Using a delegated token to create another token is not allowed..']);
        });
    });

    it('allows only roles the user holds, one name per user, and only the user themself, with a project-scoped token not made from a credential', async () => {
        await withSim({}, async (sim) => {
            const { token, userId } = await bob(sim);
            expect((await create(sim, userId, token, { name: 'scaler', roles: [{ name: 'admin' }] })).status).to.equal(403);
            expect((await create(sim, userId, token, { roles: [] })).status).to.equal(400);
            expect((await create(sim, userId, token, { name: 'scaler', expires_at: 'soon' })).status).to.equal(400);
            expect((await create(sim, userId, 'nope', { name: 'scaler' })).status).to.equal(401);
            const alice = await login(sim, DEMO.customer.name, DEMO.customer.password, { project: { id: DEMO.demoProject.id } });
            expect((await create(sim, userId, alice, { name: 'scaler' })).status).to.equal(403);

            const made = await create(sim, userId, token, { name: 'scaler' });
            expect(made.status).to.equal(201);
            expect((await create(sim, userId, token, { name: 'scaler' })).status).to.equal(409);
            const credential = obj(obj(made.json).application_credential);
            const fromCredential = await call('POST', `${sim.authUrl}/auth/tokens`, { body: credentialAuth({ id: credential.id, secret: credential.secret }) });
            expect((await create(sim, userId, String(fromCredential.headers['x-subject-token']), { name: 'another' })).status).to.equal(403);
        });
    });

    it('ends its tokens when it is deleted, when it expires, and when its user loses the role', async () => {
        const clock = new ManualClock();
        await withSim({ now: clock.now }, async (sim) => {
            const { token, userId } = await bob(sim);
            const expiring = obj(obj((await create(sim, userId, token, { name: 'short', expires_at: new Date(clock.now().getTime() + 60_000).toISOString() })).json).application_credential);
            const lasting = obj(obj((await create(sim, userId, token, { name: 'long', roles: [{ name: 'member' }] })).json).application_credential);
            const issue = (credential: Record<string, unknown>) => call('POST', `${sim.authUrl}/auth/tokens`, { body: credentialAuth({ id: credential.id, secret: credential.secret }) });
            const validate = (subject: string) => call('GET', `${sim.authUrl}/auth/tokens`, { token: subject, headers: { 'x-subject-token': subject } });

            const short = await issue(expiring);
            expect(obj(obj(short.json).token).expires_at).to.equal('2026-11-25T12:01:00.000000Z');
            clock.advance(61_000);
            expect((await issue(expiring)).status).to.equal(401);

            const long = String((await issue(lasting)).headers['x-subject-token']);
            expect((await validate(long)).status).to.equal(200);
            sim.revokeRole({ userName: 'bob', projectId: DEMO.demoProject.id, role: 'member' });
            expect((await validate(long)).status).to.equal(401);
            expect((await issue(lasting)).status).to.equal(401);
            sim.grantRole({ userName: 'bob', projectId: DEMO.demoProject.id, role: 'member' });
            expect((await validate(long)).status).to.equal(200);

            const bobAgain = await login(sim, 'bob', 'pw', { project: { id: DEMO.demoProject.id } });
            expect((await call('DELETE', `${sim.authUrl}/users/${userId}/application_credentials/${String(lasting.id)}`, { token: bobAgain })).status).to.equal(204);
            expect((await call('DELETE', `${sim.authUrl}/users/${userId}/application_credentials/${String(lasting.id)}`, { token: bobAgain })).status).to.equal(404);
            expect((await validate(long)).status).to.equal(401);
        });
    });
});
