import * as Code from '@hapi/code';
import * as Hapi from '@hapi/hapi';
import * as Lab from '@hapi/lab';
import { DomainError } from '../../core/model/errors';
import type { TokenInfo, TokenValidator } from '../../core/ports/identity';
import { keystoneCredentials, type KeystoneSchemeOptions, registerKeystoneScheme, TENANT_SCOPE } from '../../plugin/auth';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const EXPIRES = new Date('2030-01-01T01:00:00Z');

const TOKENS: Record<string, TokenInfo> = {
    'tok-alice': { userId: 'u-alice', userName: 'alice', projectId: 'tenant-a', projectName: 'a', roles: ['member', 'reader'], expiresAt: EXPIRES },
    'tok-root': { userId: 'u-root', userName: 'root', projectId: 'p-ops', projectName: 'ops', roles: ['Admin'], expiresAt: EXPIRES },
    // Admin of its own project, not of the admin project: only that project's member.
    'tok-local-admin': { userId: 'u-carl', userName: 'carl', projectId: 'tenant-c', projectName: 'c', roles: ['admin'], expiresAt: EXPIRES },
    'tok-unscoped': { userId: 'u-bob', userName: 'bob', projectId: null, projectName: null, roles: [], expiresAt: EXPIRES }
};

// The port, faked: known tokens, 'tok-down' as Keystone being away, 'tok-bug' as a programming error.
const fakeValidator = (): TokenValidator & { asked: string[] } => {
    const asked: string[] = [];
    return {
        asked,
        validate: async (token: string) => {
            asked.push(token);
            if (token === 'tok-down') {
                throw new DomainError('unavailable', 'IdentityUnavailable', 'Keystone did not answer GET http://keystone.internal/v3/auth/tokens');
            }

            if (token === 'tok-bug') {
                throw new TypeError('a bug');
            }

            return TOKENS[token] ?? null;
        }
    };
};

const serverWith = async (validator: TokenValidator, over: Partial<KeystoneSchemeOptions> = {}): Promise<Hapi.Server> => {
    const server = Hapi.server({ debug: false });
    registerKeystoneScheme(server);
    const options: KeystoneSchemeOptions = { validator, adminRole: 'admin', adminProject: 'ops', ...over };
    server.auth.strategy('keystone', 'keystone-token', options);
    server.route({
        method: 'GET',
        path: '/v1.0/{tenantId}/x',
        options: {
            auth: { strategy: 'keystone', access: { scope: TENANT_SCOPE } },
            handler: (request) => keystoneCredentials(request)
        }
    });
    server.route({ method: 'GET', path: '/open', options: { auth: false, handler: (request) => keystoneCredentials(request) } });
    await server.initialize();
    return server;
};

const get = (server: Hapi.Server, url: string, token?: string) =>
    server.inject({ method: 'GET', url, headers: token === undefined ? {} : { 'x-auth-token': token } });

describe('keystone-token scheme', () => {

    it('answers 401 without X-Auth-Token, and does not ask Keystone', async () => {
        const validator = fakeValidator();
        const server = await serverWith(validator);
        for (const token of [undefined, '', '   ']) {
            const res = await get(server, '/v1.0/tenant-a/x', token);
            expect(res.statusCode).to.equal(401);
            expect(res.headers['www-authenticate']).to.contain('Keystone');
            expect(res.result).to.include({ message: 'Missing X-Auth-Token' });
        }

        expect(validator.asked).to.equal([]);
    });

    it('answers 401 to a token Keystone does not know', async () => {
        const validator = fakeValidator();
        const res = await get(await serverWith(validator), '/v1.0/tenant-a/x', 'tok-forged');
        expect(res.statusCode).to.equal(401);
        expect(res.result).to.include({ message: 'Invalid or expired X-Auth-Token' });
        expect(validator.asked).to.equal(['tok-forged']);
    });

    it('lets a token into its own tenant, with its credentials', async () => {
        const res = await get(await serverWith(fakeValidator()), '/v1.0/tenant-a/x', 'tok-alice');
        expect(res.statusCode).to.equal(200);
        expect(res.result).to.equal({
            user: { id: 'u-alice', name: 'alice' },
            projectId: 'tenant-a',
            roles: ['member', 'reader'],
            isAdmin: false,
            scope: ['tenant-tenant-a']
        });
    });

    it('answers 403 for another tenant', async () => {
        const server = await serverWith(fakeValidator());
        const res = await get(server, '/v1.0/tenant-b/x', 'tok-alice');
        expect(res.statusCode).to.equal(403);
        expect((await get(server, '/v1.0/tenant-b/x', 'tok-unscoped')).statusCode).to.equal(403);
    });

    it('lets the admin role (any case, as oslo.policy) on the admin project, by name or id, into any tenant', async () => {
        const res = await get(await serverWith(fakeValidator()), '/v1.0/tenant-b/x', 'tok-root');
        expect(res.statusCode).to.equal(200);
        expect(res.result).to.include({ isAdmin: true, scope: ['tenant-p-ops', 'admin'] });
        const byId = await get(await serverWith(fakeValidator(), { adminProject: 'p-ops' }), '/v1.0/tenant-b/x', 'tok-root');
        expect(byId.statusCode).to.equal(200);
    });

    it('treats the admin role on any other project as that project\'s member', async () => {
        const server = await serverWith(fakeValidator());
        expect((await get(server, '/v1.0/tenant-b/x', 'tok-local-admin')).statusCode).to.equal(403);
        const own = await get(server, '/v1.0/tenant-c/x', 'tok-local-admin');
        expect(own.statusCode).to.equal(200);
        expect(own.result).to.include({ isAdmin: false, scope: ['tenant-tenant-c'] });
    });

    it('answers 503 when Keystone is unavailable, without its internals', async () => {
        const res = await get(await serverWith(fakeValidator()), '/v1.0/tenant-a/x', 'tok-down');
        expect(res.statusCode).to.equal(503);
        expect(res.result).to.include({ message: 'Identity service unavailable: cannot validate X-Auth-Token' });
        expect(JSON.stringify(res.result)).to.not.contain('keystone.internal');
    });

    it('leaves other errors to be 500', async () => {
        const res = await get(await serverWith(fakeValidator()), '/v1.0/tenant-a/x', 'tok-bug');
        expect(res.statusCode).to.equal(500);
    });

    it('refuses a strategy without a validator or admin role', () => {
        const server = Hapi.server();
        registerKeystoneScheme(server);
        expect(() => server.auth.strategy('a', 'keystone-token', { adminRole: 'admin' })).to.throw(/validator/);
        expect(() => server.auth.strategy('b', 'keystone-token', { validator: fakeValidator(), adminRole: '' })).to.throw(/adminRole/);
    });

    it('keystoneCredentials is a 500 on a route this scheme did not authenticate', async () => {
        const res = await get(await serverWith(fakeValidator()), '/open');
        expect(res.statusCode).to.equal(500);
    });
});
