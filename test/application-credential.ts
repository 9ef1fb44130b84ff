// The plugin with its service account as a Keystone application credential,
// read from the environment, against the simulator answering over HTTPS with
// a private CA (OS_CACERT): customer tokens are validated and a group
// converges in the credential's project; in any other project nothing is
// sent and the group says why.
import * as Fs from 'node:fs';
import * as Path from 'node:path';
import * as Code from '@hapi/code';
import Hapi from '@hapi/hapi';
import * as Lab from '@hapi/lab';
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { type ServiceAccount, serviceAccountFromEnv } from '../adapters/keystone/service-account';
import { KeystoneSession } from '../adapters/keystone/session';
import { tlsDispatcher } from '../adapters/keystone/tls';
import { DomainError } from '../core/model/errors';
import { plugin } from '../plugin';
import { DEMO, startSimulator, type Simulator } from '../simulator';
import { testDatabase } from './support/database';
import { caller, field } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const TLS_DIR = Path.join(__dirname, 'fixtures', 'tls');
const CA_FILE = Path.join(TLS_DIR, 'ca.pem');
const read = (name: string): string => Fs.readFileSync(Path.join(TLS_DIR, name), 'utf8');

interface Credential {
    readonly id: string;
    readonly secret: string;
}

describe('the service account as an application credential, over TLS with a private CA', () => {

    const suffix = randomUUID().replace(/-/g, '').slice(0, 10);
    const project = `pac${suffix}`;
    const other = `pot${suffix}`;
    let sim: Simulator;
    let credential: Credential;
    let account: ServiceAccount;
    let server: Hapi.Server;

    // What a user does to make one: sign in to the project, POST to their own user.
    const makeCredential = async (): Promise<Credential> => {
        const dispatcher = tlsDispatcher({ ca: Fs.readFileSync(CA_FILE, 'utf8') });
        const session = new KeystoneSession({
            authUrl: sim.authUrl, username: DEMO.serviceUser.name, password: DEMO.serviceUser.password, userDomainName: 'Default', projectId: project, interface: 'public'
        }, { ...(dispatcher === undefined ? {} : { dispatcher }) });
        const token = await session.token();
        const res = await request(`${sim.authUrl}/users/${token.userId}/application_credentials`, {
            method: 'POST', dispatcher, headers: { 'x-auth-token': token.value, 'content-type': 'application/json' },
            body: JSON.stringify({ application_credential: { name: `autoscale-${suffix}`, roles: [{ name: 'member' }, { name: 'service' }] } })
        });
        const body = await res.body.json() as { application_credential: Credential };
        expect(res.statusCode, JSON.stringify(body)).to.equal(201);
        return body.application_credential;
    };

    const customerToken = (projectId: string, user: string): string => sim.issueToken({ userName: user, projectId });

    before(async () => {
        sim = await startSimulator({ demo: true, tls: { cert: read('server.pem'), key: read('server-key.pem') } });
        sim.addProject({ id: project, name: project });
        sim.addProject({ id: other, name: other });
        // The service role lets the credential validate its project's customers' tokens.
        sim.grantRole({ userName: DEMO.serviceUser.name, projectId: project, role: 'member' });
        sim.grantRole({ userName: DEMO.serviceUser.name, projectId: project, role: 'service' });
        sim.grantRole({ userName: DEMO.serviceUser.name, projectId: other, role: 'admin' });
        sim.addUser({ name: `carol-${suffix}`, password: 'pw', roles: [{ projectId: project, role: 'member' }] });
        sim.addUser({ name: `dave-${suffix}`, password: 'pw', roles: [{ projectId: other, role: 'member' }] });
        credential = await makeCredential();

        const fromEnv = serviceAccountFromEnv({
            OS_AUTH_URL: sim.authUrl, OS_AUTH_TYPE: 'v3applicationcredential', OS_APPLICATION_CREDENTIAL_ID: credential.id,
            OS_APPLICATION_CREDENTIAL_SECRET: credential.secret, OS_CACERT: CA_FILE, OS_REGION_NAME: sim.region
        });
        expect(fromEnv?.kind).to.equal('application_credential');
        account = fromEnv as ServiceAccount;

        const db = await testDatabase();
        await db.knex('region_budgets').where({ cloud: account.authUrl }).delete();
        await db.knex('region_holds').where({ cloud: account.authUrl }).delete();
        server = Hapi.server();
        await server.register({
            plugin,
            options: {
                database: { knex: db.knex },
                openstack: { serviceAccount: account },
                intervals: { convergeS: 3600, buildTimeoutS: 600 },
                converger: { recheckMs: 0, backoffBaseMs: 0, stormGuard: false },
                supervisor: { debounceMs: 0 },
                alerts: { intervalMs: 0, pruneIntervalMs: 0 },
                schedules: { intervalMs: 0 }
            }
        }, { routes: { prefix: '/autoscale' } });
        await server.initialize();
    });

    after(async () => {
        await server.stop();
        await sim.stop();
    });

    const createGroup = async (tenant: string, token: string): Promise<string> => {
        const res = await caller(server, token)('POST', `/${tenant}/groups`, {
            groupConfiguration: { name: 'web', cooldown: 0, minEntities: 1, maxEntities: 3, metadata: {} },
            launchConfiguration: { type: 'launch_server', args: { server: { name: 'web', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: 'none' } } }
        });
        expect(res.statusCode, JSON.stringify(res.result)).to.equal(201);
        return String(field(res.result, 'group', 'id'));
    };

    it('validates the customer\'s token and converges a group in the credential\'s project', async () => {
        sim.clearRequests();
        const token = customerToken(project, `carol-${suffix}`);
        const groupId = await createGroup(project, token);
        const [run] = await server.plugins['nova-autoscale'].convergeOnce(groupId);
        expect(run?.outcome).to.equal('done');
        const ours = sim.servers(project).filter((s) => s.metadata['autoscale:group_id'] === groupId);
        expect(ours).to.have.length(1);

        // Every token the plugin asked for was the credential's, with no scope (Keystone refuses one).
        const auths = sim.requests.filter((r) => r.service === 'identity' && r.method === 'POST' && r.path === '/auth/tokens');
        expect(auths.length).to.be.above(0);
        for (const auth of auths) {
            expect(auth.body).to.equal({ auth: { identity: { methods: ['application_credential'], application_credential: { id: credential.id, secret: credential.secret } } } });
        }

        // The customer's token was validated with Keystone, as the credential.
        expect(sim.requests.filter((r) => r.service === 'identity' && r.method === 'GET' && r.path === '/auth/tokens' && r.status === 200).length).to.be.above(0);
    });

    it('sends nothing to another project\'s Nova and says why in the group\'s state', async () => {
        const token = customerToken(other, `dave-${suffix}`);
        const groupId = await createGroup(other, token);
        sim.clearRequests();
        const [run] = await server.plugins['nova-autoscale'].convergeOnce(groupId);
        expect(run?.outcome).to.equal('hold');    // Nova's 'unauthorized': held until something changes, as for a project the user has no role on
        expect(sim.servers(other)).to.have.length(0);
        expect(sim.requests.filter((r) => r.service === 'compute')).to.equal([]);

        const activity = await caller(server, token)('GET', `/${other}/groups/${groupId}/activity`);
        expect(activity.statusCode).to.equal(200);
        const latest = field(activity.result, 'activity', 0) as Record<string, unknown>;
        expect(latest).to.include({ source: 'converger', kind: 'hold', outcome: 'refused', reason: 'listing_unknown' });
        expect(latest.message).to.contain(`application credential ${credential.id} of project ${project}, and Keystone does not rescope one: it cannot act in project ${other}`);
    });

    it('is refused by the simulator when it asks for a scope, as Keystone refuses it', async () => {
        const res = await request(`${sim.authUrl}/auth/tokens`, {
            method: 'POST', dispatcher: tlsDispatcher(account.tls), headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ auth: { identity: { methods: ['application_credential'], application_credential: { id: credential.id, secret: credential.secret } }, scope: { project: { id: other } } } })
        });
        expect(res.statusCode).to.equal(401);
        expect(await res.body.json()).to.equal({ error: { code: 401, message: 'Error authenticating with application credential: Application credentials cannot request a scope.', title: 'Unauthorized' } });
    });

    it('does not reach Keystone without the private CA: the certificate is checked', async () => {
        const err = await expect(new KeystoneSession({ ...account, tls: undefined }).token()).to.reject(DomainError);
        expect((err as DomainError).type).to.equal('IdentityUnavailable');
        expect(err.message).to.match(/certificate/i);
    });
});
