// Against a real Keystone, when OS_AUTH_URL says where one is (for example
// `source ~/.cache/real-openstack/run/openrc-autoscale.sh`). Without it, one
// test says so: this file never passes silently by skipping everything.
import * as Code from '@hapi/code';
import * as Hapi from '@hapi/hapi';
import * as Lab from '@hapi/lab';
import { DomainError } from '../../core/errors';
import { KeystoneSession, type ServiceToken } from '../../adapters/nova/keystone-session';
import { type ServiceAccount, serviceAccountFromEnv } from '../../adapters/nova/service-account';
import { KeystoneTokenValidator } from '../../adapters/nova/token-validator';
import { registerKeystoneScheme, TENANT_SCOPE } from '../../plugin/auth';

const { describe, it, before } = exports.lab = Lab.script();
const { expect } = Code;

const env = process.env;

if (!env.OS_AUTH_URL) {
    describe('real OpenStack', () => {
        it('real OpenStack: OS_AUTH_URL unset, nothing to check here', () => {
            expect(env.OS_AUTH_URL ?? '').to.equal('');
        });
    });
}
else {
    describe('real OpenStack', () => {

        const customer = {
            user: env.REAL_OS_CUSTOMER_USER ?? 'alice',
            password: env.REAL_OS_CUSTOMER_PASSWORD ?? 'secret',
            project: env.REAL_OS_CUSTOMER_PROJECT ?? 'tenant-a',
            domain: env.REAL_OS_CUSTOMER_DOMAIN ?? 'Default'
        };

        let account: ServiceAccount;
        let session: KeystoneSession;
        let validator: KeystoneTokenValidator;
        let customerToken: ServiceToken;

        before(async () => {
            const fromEnv = serviceAccountFromEnv(env);
            expect(fromEnv).to.not.be.null();
            account = fromEnv as ServiceAccount;
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
            server.auth.strategy('keystone', 'keystone-token', { validator, adminRole: 'admin' });
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
}
