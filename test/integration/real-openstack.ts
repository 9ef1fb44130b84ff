// Against a real Keystone, when OS_AUTH_URL says where one is (for example
// `source ~/.cache/real-openstack/run/openrc-autoscale.sh`). Without it, every
// test is reported skipped.
import * as Code from '@hapi/code';
import * as Hapi from '@hapi/hapi';
import * as Lab from '@hapi/lab';
import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'undici';
import { NovaCompute } from '../../adapters/nova/compute';
import { DomainError } from '../../core/model/errors';
import { type ComputeScope } from '../../core/ports/compute';
import { ComputeError, type NovaServer } from '../../core/model/server';
import { KeystoneSession, type ServiceToken } from '../../adapters/keystone/session';
import { type PasswordAccount } from '../../adapters/keystone/service-account';
import { KeystoneTokenValidator } from '../../adapters/keystone/token-validator';
import { registerKeystoneScheme, TENANT_SCOPE } from '../../plugin/auth';
import { passwordAccount, skip, titled } from '../support/real-openstack';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const env = process.env;

// Without OS_AUTH_URL every test here is reported skipped (lab's skip option,
// with the reason in the title): skipped, never counted as passed.

describe(titled('real OpenStack'), { skip }, () => {

    const customer = {
        user: env.REAL_OS_CUSTOMER_USER ?? 'alice',
        password: env.REAL_OS_CUSTOMER_PASSWORD ?? 'secret',
        project: env.REAL_OS_CUSTOMER_PROJECT ?? 'tenant-a',
        domain: env.REAL_OS_CUSTOMER_DOMAIN ?? 'Default'
    };

    let account: PasswordAccount;
    let session: KeystoneSession;
    let validator: KeystoneTokenValidator;
    let customerToken: ServiceToken;

    before(async () => {
        account = passwordAccount();
        session = new KeystoneSession(account);
        validator = new KeystoneTokenValidator(session);
        customerToken = await new KeystoneSession({
            authUrl: account.authUrl,
            username: customer.user,
            password: customer.password,
            userDomainName: customer.domain,
            projectName: customer.project,
            projectDomainName: customer.domain,
            interface: 'public'
        }).token();
    });

    it('authenticates the service account from the environment, with a compute endpoint in its catalog', async (flags: Lab.script.Flags) => {
        const token = await session.token();
        expect(token.value).to.not.be.empty();
        expect(token.expiresAt.getTime()).to.be.above(Date.now());
        if (account.projectId !== undefined) {
            expect(token.projectId).to.equal(account.projectId);
        }

        const compute = await session.endpoint('compute');
        expect(compute).to.match(/^https?:\/\//);
        flags.note(`service account ${token.userName} in project ${token.projectId}, roles [${token.roles.join(', ')}], expires ${token.expiresAt.toISOString()}, compute ${compute}`);
    });

    it('validates a customer token: user, project, roles, expiry', async (flags: Lab.script.Flags) => {
        const info = await validator.validate(customerToken.value);
        expect(info).to.not.be.null();
        expect(info?.userName).to.equal(customer.user);
        expect(info?.userId).to.equal(customerToken.userId);
        expect(info?.projectId).to.equal(customerToken.projectId);
        expect(info?.projectId).to.match(/^[0-9a-f]{32}$/);
        expect(info?.roles).to.include('member');
        expect(info?.expiresAt).to.equal(customerToken.expiresAt);
        expect(validator.cache.size).to.equal(1);
        flags.note(`${customer.user}: project ${info?.projectId}, roles [${info?.roles.join(', ')}], expires ${info?.expiresAt.toISOString()}`);
    });

    it('answers null to a garbage token and to a token-shaped forgery', async () => {
        expect(await validator.validate('garbage')).to.be.null();
        expect(await validator.validate(`gAAAAAB${'x'.repeat(180)}`)).to.be.null();
    });

    it('says which credentials were refused when the service password is wrong', async () => {
        const err = await expect(new KeystoneSession({ ...account, password: 'not-the-password' }).token()).to.reject(DomainError);
        expect((err as DomainError).type).to.equal('ServiceCredentialsRejected');
    });

    it('lets the customer into their own tenant through the hapi scheme, and nowhere else', async () => {
        const server = Hapi.server({ debug: false });
        registerKeystoneScheme(server);
        server.auth.strategy('keystone', 'keystone-token', { validator, adminRole: 'admin', adminProject: 'admin' });
        server.route({
            method: 'GET',
            path: '/v1.0/{tenantId}/x',
            options: { auth: { strategy: 'keystone', access: { scope: TENANT_SCOPE } }, handler: () => 'ok' }
        });
        const get = (tenant: string, token: string) => server.inject({ url: `/v1.0/${tenant}/x`, headers: { 'x-auth-token': token } });

        expect((await get(customerToken.projectId ?? '', customerToken.value)).statusCode).to.equal(200);
        expect((await get('0123456789abcdef0123456789abcdef', customerToken.value)).statusCode).to.equal(403);
        expect((await get(customerToken.projectId ?? '', 'garbage')).statusCode).to.equal(401);
    });
});

describe(titled('real OpenStack: Nova through NovaCompute'), { skip }, () => {

    const tenantProject = env.REAL_OS_CUSTOMER_PROJECT ?? 'tenant-a';
    let compute: NovaCompute;
    let scope: ComputeScope;
    let flavorId: string;
    let imageId: string;
    const created: string[] = [];

    // A GET as the service account in the tenant's project, for lookups the port does not offer.
    const getJson = async (serviceType: string, path: string): Promise<unknown> => {
        const session = compute.sessions.for(scope.projectId);
        const base = await session.endpoint(serviceType);
        const answer = await session.withToken(async (token) => {
            const res = await request(`${base}${path}`, { headers: { 'x-auth-token': token, accept: 'application/json' } });
            return { statusCode: res.statusCode, json: await res.body.json() };
        });
        expect(answer.statusCode).to.equal(200);
        return answer.json;
    };

    const poll = async <T>(what: string, limitMs: number, probe: () => Promise<T | null>): Promise<{ value: T; afterMs: number }> => {
        const started = Date.now();
        for (;;) {
            const value = await probe();
            if (value !== null) {
                return { value, afterMs: Date.now() - started };
            }

            if (Date.now() - started > limitMs) {
                throw new Error(`${what}: not within ${limitMs} ms`);
            }

            await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
    };

    before(async () => {
        const account = passwordAccount();
        // The tenant's id as its customer's own token says it, whatever the service account's scope.
        const customerToken = await new KeystoneSession({
            authUrl: account.authUrl, username: env.REAL_OS_CUSTOMER_USER ?? 'alice', password: env.REAL_OS_CUSTOMER_PASSWORD ?? 'secret',
            userDomainName: 'Default', projectName: tenantProject, projectDomainName: 'Default', interface: 'public'
        }).token();
        expect(customerToken.projectId).to.match(/^[0-9a-f]{32}$/);
        // The service account's own scope is a name here, so only the by-id rescoping can reach the tenant.
        compute = new NovaCompute({ ...account, projectId: undefined, projectName: 'no-such-project-on-purpose', projectDomainName: 'Default' });
        scope = { projectId: customerToken.projectId ?? '', region: null };

        const flavors = await getJson('compute', '/flavors') as { flavors: Array<{ id: string; name: string }> };
        const tiny = flavors.flavors.find((f) => f.name === 'm1.tiny');
        expect(tiny).to.exist();
        flavorId = tiny?.id ?? '';
        const images = await getJson('image', '/v2/images?name=tiny-raw') as { images: Array<{ id: string }> };
        expect(images.images.length).to.equal(1);
        imageId = images.images[0]?.id ?? '';
    });

    after(async () => {
        // Never leave a server behind on the shared cloud, whatever failed.
        for (const id of created) {
            await compute.deleteServer(scope, id).catch(() => undefined);
        }
    });

    it('creates a server with networks "none" and our metadata, sees it ACTIVE in a paged listing, deletes it and sees it gone', { timeout: 180_000 }, async (flags: Lab.script.Flags) => {
        const intentId = randomUUID();
        const name = `it-nova-compute-as${randomBytes(4).toString('hex')}`;
        const { id } = await compute.createServer(scope, {
            name, flavorRef: flavorId, imageRef: imageId, networks: 'none',
            metadata: { 'autoscale:group_id': 'it-group', 'autoscale:intent_id': intentId }
        });
        created.push(id);
        expect(id).to.match(/^[0-9a-f-]{36}$/);

        const active = await poll('ACTIVE in the listing', 60_000, async () => {
            const servers = await compute.listServers(scope);
            const mine = servers.find((s) => s.id === id);
            expect(mine, 'listed').to.exist();
            expect(mine?.status).to.not.equal('ERROR');
            return mine?.status === 'ACTIVE' ? mine : null;
        });
        const server: NovaServer = active.value;
        expect(server.name).to.equal(name);
        expect(server.name).to.match(/-as[0-9a-f]{8}$/);
        expect(server.metadata).to.equal({ 'autoscale:group_id': 'it-group', 'autoscale:intent_id': intentId });
        expect(server.created.getTime()).to.be.within(Date.now() - 300_000, Date.now() + 60_000);

        // One server per page: the marker walk works on the real Nova too.
        const paged = await new NovaCompute(compute.sessions.account, { pageSize: 1 }).listServers(scope);
        expect(paged.map((s) => s.id)).to.include(id);
        expect(new Set(paged.map((s) => s.id)).size).to.equal(paged.length);

        expect(await compute.deleteServer(scope, id)).to.equal('deleting');
        const gone = await poll('gone after delete', 60_000, async () => (await compute.showServer(scope, id)) === null ? true : null);
        expect(await compute.deleteServer(scope, id)).to.equal('gone');
        flags.note(`server ${id} ACTIVE after ${active.afterMs} ms, gone ${gone.afterMs} ms after delete; paged listing saw ${paged.length} server(s)`);
    });

    it('answers bad_request with Nova\'s message for an unknown image', async (flags: Lab.script.Flags) => {
        const err = await expect(compute.createServer(scope, {
            name: `it-bad-image-as${randomBytes(4).toString('hex')}`, flavorRef: flavorId, imageRef: randomUUID(), networks: 'none'
        })).to.reject(ComputeError);
        expect((err as ComputeError).kind).to.equal('bad_request');
        expect((err as ComputeError).status).to.equal(400);
        flags.note(`Nova said: ${err.message}`);
    });

    it('answers null to an unknown server id, and is unauthorized in a project the service user has no role in', async () => {
        expect(await compute.showServer(scope, randomUUID())).to.be.null();
        const err = await expect(compute.listServers({ projectId: '0123456789abcdef0123456789abcdef', region: null })).to.reject(ComputeError);
        expect((err as ComputeError).kind).to.equal('unauthorized');
    });
});
