// Roles (core/decide/write-role.ts and plugin/roles.ts, contract §10) beyond the auth matrix's Keystone
// tokens: role names without case, the admin role named by the options, and a
// host's own auth strategy, held to the rule when its credentials carry roles.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import Hapi from '@hapi/hapi';
import { plugin } from '../../plugin';
import { mayWrite } from '../../core/decide/write-role';
import { testDatabase } from '../support/database';
import { field, freshTenant, validGroup } from '../support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

describe('roles', () => {
    it('writes with member or _member_, or the admin role as the options name it, whatever the case; not with reader or another role', () => {
        expect(mayWrite(['Member'], 'admin')).to.be.true();
        expect(mayWrite(['reader', '_MEMBER_'], 'admin')).to.be.true();
        expect(mayWrite(['cloud-admin'], 'Cloud-Admin')).to.be.true();
        expect(mayWrite(['admin'], 'cloud-admin')).to.be.false();
        expect(mayWrite(['reader', 'load-balancer_member'], 'admin')).to.be.false();
        expect(mayWrite([], 'admin')).to.be.false();
    });

    describe('under a host\'s own auth strategy', () => {
        let server: Hapi.Server;
        const tenant = freshTenant();
        // The host's scheme: X-Role names the roles, 'none' gives credentials without any.
        const credentialsFor = (role: string | undefined) => ({
            user: { name: 'host-user' }, scope: [`tenant-${tenant}`], ...(role === 'none' ? {} : { roles: role === undefined ? [] : role.split(',') })
        });

        before(async () => {
            const db = await testDatabase();
            server = Hapi.server();
            server.auth.scheme('host', () => ({
                authenticate: (request, h) => {
                    const role = request.headers['x-role'];
                    return h.authenticated({ credentials: credentialsFor(typeof role === 'string' ? role : undefined) });
                }
            }));
            server.auth.strategy('host', 'host');
            await server.register({ plugin, options: { database: { knex: db.knex }, auth: { strategy: 'host' }, schedules: { intervalMs: 0 } } }, { routes: { prefix: '/autoscale' } });
            await server.initialize();
        });

        after(() => server.stop());

        const post = (role: string) => server.inject({ method: 'POST', url: `/autoscale/v1.0/${tenant}/groups`, headers: { 'x-role': role }, payload: validGroup() });
        const groups = async (): Promise<number> => {
            const listed = await server.inject({ method: 'GET', url: `/autoscale/v1.0/${tenant}/groups`, headers: { 'x-role': 'reader' } });
            expect(listed.statusCode).to.equal(200);
            return (field(listed.result, 'groups') as unknown[]).length;
        };

        it('refuses a write whose credentials carry only reader, and changes nothing', async () => {
            const refused = await post('reader');
            expect(refused.statusCode).to.equal(403);
            expect(field(refused.result, 'error', 'details')).to.equal({ reason: 'role' });
            expect(await groups()).to.equal(0);
        });

        it('takes a write from a member, and from credentials that carry no roles at all (the host decided)', async () => {
            expect((await post('reader,member')).statusCode).to.equal(201);
            expect((await post('none')).statusCode).to.equal(201);
            expect(await groups()).to.equal(2);
        });
    });
});
