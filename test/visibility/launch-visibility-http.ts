// OpenStackLaunchVisibility's exact HTTP: each thing a launch configuration
// names is asked of Glance, Nova or Neutron with the customer's token, at
// the service account's catalog endpoints, and each answer means seen,
// unseen, or a service that cannot be asked.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import nock from 'nock';
import { KeystoneSession } from '../../adapters/keystone/session';
import { OpenStackLaunchVisibility, versioned } from '../../adapters/visibility/launch-visibility';
import { DomainError } from '../../core/model/errors';
import { TenantId } from '../../core/model/ids';
import type { LaunchReference } from '../../core/model/launch-references';
import { CustomerToken } from '../../core/ports/launch-visibility';
import { account, CATALOG, KEYSTONE, ManualClock, startNock, stopNock, tokenBody } from '../nova/fixtures';

const { describe, it, before, after, afterEach } = exports.lab = Lab.script();
const { expect } = Code;

const GLANCE = 'http://glance.test:9292';
const NEUTRON = 'http://neutron.test:9696';
const NOVA = 'http://nova-one.test:8774';
const service = (type: string, url: string) => ({
    type, name: type, id: `s-${type}`, endpoints: [{ id: `e-${type}`, interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url }]
});
const FULL = [...CATALOG, service('image', `${GLANCE}/`), service('network', NEUTRON)];

const customer = CustomerToken('customer-tok');
const tenant = TenantId('tenant-a');
const SG_ID = '5f2a0c1e-0000-4000-8000-000000000001';

const ref = (kind: LaunchReference['kind'], id: string, field = `args.server.${kind}`): LaunchReference => ({ kind, id, field });

// The service account signs in once; its catalog is all this asks of it.
const signIn = (catalog: unknown[] = FULL): nock.Scope => nock(KEYSTONE).post('/v3/auth/tokens')
    .reply(201, tokenBody({ catalog }), { 'X-Subject-Token': 'service-tok', 'Content-Type': 'application/json' });

// Every lookup carries the customer's token, never the service account's.
const asCustomer = (origin: string): nock.Scope => nock(origin, { reqheaders: { 'x-auth-token': 'customer-tok', accept: 'application/json' } });

const visibility = (timeoutMs?: number) =>
    new OpenStackLaunchVisibility(new KeystoneSession(account(), { clock: new ManualClock() }), timeoutMs === undefined ? {} : { timeoutMs });

describe('OpenStackLaunchVisibility over HTTP', () => {

    before(startNock);
    after(stopNock);
    afterEach(() => nock.cleanAll());

    it('asks Glance for an image, Nova for a flavor and Neutron for a network, with the customer\'s token', async () => {
        signIn();
        const asked = [
            asCustomer(GLANCE).get('/v2/images/img-1').reply(200, { id: 'img-1', status: 'active' }),
            asCustomer(NOVA).get('/v2.1/flavors/m1').reply(404, { itemNotFound: { code: 404, message: 'Flavor m1 could not be found.' } }),
            asCustomer(NEUTRON).get('/v2.0/networks/net-b').reply(404, { NeutronError: { type: 'NetworkNotFound', message: 'Network net-b could not be found.' } })
        ];
        const refs = [ref('image', 'img-1'), ref('flavor', 'm1'), ref('network', 'net-b')];
        expect(await visibility().unseen(customer, tenant, refs)).to.equal([refs[1], refs[2]]);
        for (const scope of asked) {
            expect(scope.isDone()).to.be.true();
        }
    });

    it('finds a security group by name within the tenant\'s project, then by id', async () => {
        signIn();
        const byName = asCustomer(NEUTRON).get('/v2.0/security-groups').query({ name: 'web', project_id: 'tenant-a', fields: 'id' }).reply(200, { security_groups: [{ id: SG_ID }] });
        const none = asCustomer(NEUTRON).get('/v2.0/security-groups').query({ name: SG_ID, project_id: 'tenant-a', fields: 'id' }).reply(200, { security_groups: [] });
        const byId = asCustomer(NEUTRON).get(`/v2.0/security-groups/${SG_ID}`).reply(200, { security_group: { id: SG_ID } });
        const missing = asCustomer(NEUTRON).get('/v2.0/security-groups').query({ name: 'theirs', project_id: 'tenant-a', fields: 'id' }).reply(200, { security_groups: [] });
        const refs = [ref('security_group', 'web'), ref('security_group', SG_ID), ref('security_group', 'theirs')];
        expect(await visibility().unseen(customer, tenant, refs)).to.equal([refs[2]]);
        expect([byName, none, byId, missing].map((scope) => scope.isDone())).to.equal([true, true, true, true]);
    });

    it('asks once for a thing named twice, and takes 403 for unseen', async () => {
        signIn();
        const once = asCustomer(GLANCE).get('/v2/images/shared').once().reply(403, 'Forbidden');
        const refs = [ref('image', 'shared', 'args.server.imageRef'), ref('image', 'shared', 'args.server.block_device_mapping_v2.0.uuid')];
        expect(await visibility().unseen(customer, tenant, refs)).to.equal(refs);
        expect(once.isDone()).to.be.true();
    });

    it('asks again for a thing seen only once its token\'s answer is older than seenForMs; what was not seen is asked every time', async () => {
        const clock = new ManualClock();
        const check = new OpenStackLaunchVisibility(new KeystoneSession(account(), { clock }), { seenForMs: 30_000 });
        signIn();
        const seen = asCustomer(GLANCE).get('/v2/images/img-1').times(2).reply(200, { id: 'img-1' });
        const unseen = asCustomer(NEUTRON).get('/v2.0/networks/net-b').times(2).reply(404, {});
        const refs = [ref('image', 'img-1'), ref('network', 'net-b')];
        expect(await check.unseen(customer, tenant, refs)).to.equal([refs[1]]);
        clock.advance(29_999);
        expect(await check.unseen(customer, tenant, refs)).to.equal([refs[1]]);   // the image from what was seen; the network asked again
        expect(seen.pendingMocks()).to.have.length(1);
        clock.advance(1);
        expect(await check.unseen(customer, tenant, [refs[0]!])).to.equal([]);
        expect(seen.isDone() && unseen.isDone()).to.be.true();
        // Another token of the same project asks for itself.
        asCustomer(GLANCE).get('/v2/images/img-1').reply(200, {});
        nock(GLANCE, { reqheaders: { 'x-auth-token': 'other-tok' } }).get('/v2/images/img-1').reply(404, {});
        expect(await check.unseen(CustomerToken('other-tok'), tenant, [refs[0]!])).to.have.length(1);
    });

    it('does not ask a service the catalog lacks', async () => {
        signIn(CATALOG);
        const refs = [ref('image', 'img-1'), ref('network', 'net-1'), ref('security_group', 'web')];
        expect(await visibility().unseen(customer, tenant, refs)).to.equal([]);
    });

    it('keeps a path segment a path segment', async () => {
        signIn();
        const escaped = asCustomer(GLANCE).get('/v2/images/a%3Fb%23c').reply(404, {});
        expect(await visibility().unseen(customer, tenant, [ref('image', 'a?b#c')])).to.have.length(1);
        expect(escaped.isDone()).to.be.true();
    });

    describe('a service that cannot answer', () => {

        it('is unavailable on a 5xx, naming the service and not the token', async () => {
            signIn();
            asCustomer(NEUTRON).get('/v2.0/networks/net-1').reply(503, 'down');
            const err = await expect(visibility().unseen(customer, tenant, [ref('network', 'net-1')])).to.reject(DomainError);
            expect([err.kind, err.type, err.details]).to.equal(['unavailable', 'ServiceUnavailableError', { service: 'network' }]);
            expect(err.message).to.contain('Neutron answered 503');
            expect(err.message).to.not.contain('customer-tok');
        });

        it('is unavailable when it does not answer in time', async () => {
            signIn();
            asCustomer(GLANCE).get('/v2/images/img-1').delay(500).reply(200, {});
            const err = await expect(visibility(50).unseen(customer, tenant, [ref('image', 'img-1')])).to.reject(DomainError);
            expect(err.kind).to.equal('unavailable');
            expect(err.message).to.contain('no answer within 50 ms');
        });

        it('is unavailable when it cannot be reached', async () => {
            signIn();
            asCustomer(NOVA).get('/v2.1/flavors/m1').replyWithError('connect ECONNREFUSED');
            const err = await expect(visibility().unseen(customer, tenant, [ref('flavor', 'm1')])).to.reject(DomainError);
            expect(err.message).to.contain('Nova could not be asked');
        });

        it('says 401 when the service refuses the customer\'s token', async () => {
            signIn();
            asCustomer(GLANCE).get('/v2/images/img-1').reply(401, {});
            const err = await expect(visibility().unseen(customer, tenant, [ref('image', 'img-1')])).to.reject(DomainError);
            expect([err.kind, err.message]).to.equal(['unauthorized', 'Glance refused the X-Auth-Token']);
        });
    });

    it('adds the API version unless the catalog URL has it', () => {
        expect(versioned('http://g:9292', 'v2')).to.equal('http://g:9292/v2');
        expect(versioned('http://g:9292/v2', 'v2')).to.equal('http://g:9292/v2');
        expect(versioned('http://n:9696/v2.0', 'v2.0')).to.equal('http://n:9696/v2.0');
        expect(versioned('http://n:9696/v2x0', 'v2.0')).to.equal('http://n:9696/v2x0/v2.0');
        expect(versioned('http://nova/v2.1', '')).to.equal('http://nova/v2.1');
    });
});
