// OctaviaClient's exact HTTP: what each call sends (method, path, query,
// headers, body), where the endpoint comes from, and which LoadBalancerError
// each answer becomes.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import nock from 'nock';
import { MockAgent } from 'undici';
import { instanceUserAgent } from '../../adapters/http/service-call';
import { OctaviaClient } from '../../adapters/octavia/client';
import { type LoadBalancerErrorKind } from '../../core/model/load-balancer';
import type { LoadBalancerScope } from '../../core/ports/load-balancers';
import type { CallRecord } from '../../adapters/http/meter';
import { GroupId } from '../../core/model/ids';
import { account, KEYSTONE, startNock, stopNock, T0, tokenBody } from '../nova/fixtures';
import { client, expectProjectAuth, failure, fault, OCTAVIA, OCTAVIA_CATALOG, OCTAVIA_HEADERS, OCTAVIA_TWO, rawMember, rawPool } from './fixtures';

const { describe, it, before, after, afterEach } = exports.lab = Lab.script();
const { expect } = Code;

const SCOPE: LoadBalancerScope = { projectId: 'tenant-1', region: null };
const IMMUTABLE = 'Load Balancer 5bd9b6a2-0c2f-4f6e-9e58-3c1e3f1c2d10 is immutable and cannot be updated.';
const DUPLICATE = 'Another member on this pool is already using ip 10.20.1.211 on protocol_port 80';

// Octavia, expecting the project's token and JSON back; `body` adds the content-type a body needs.
const octavia = (token = 'tok-1', body = false): nock.Scope =>
    nock(OCTAVIA, {
        reqheaders: { 'x-auth-token': token, accept: 'application/json', 'user-agent': 'nova-autoscale', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? {} : { badheaders: ['content-type'] })
    });

// The pool check createMember makes first: the pool, in the scope's project.
const ownPool = (poolId = 'p1', projectId = 'tenant-1'): nock.Scope =>
    octavia().get(`/v2/lbaas/pools/${poolId}`).reply(200, { pool: rawPool(poolId, projectId) }, OCTAVIA_HEADERS);

const SPEC = { address: '10.20.1.211', protocolPort: 80, name: 'web-as0123abcd' };

describe('OctaviaClient over HTTP', () => {

    before(startNock);
    after(stopNock);
    afterEach(() => nock.cleanAll());

    describe('poolsOf', () => {

        it('authenticates scoped to the project by id, then GETs the load balancer at the catalog\'s root + /v2 and answers its pools', async () => {
            const auth = expectProjectAuth('tenant-1', 'tok-1');
            const show = octavia().get('/v2/lbaas/loadbalancers/lb-1')
                .reply(200, { loadbalancer: { id: 'lb-1', project_id: 'tenant-1', provisioning_status: 'ACTIVE', listeners: [{ id: 'li-1' }], pools: [{ id: 'p1' }, { id: 'p2' }] } }, OCTAVIA_HEADERS);
            expect(await client().poolsOf(SCOPE, 'lb-1')).to.equal(['p1', 'p2']);
            expect(auth.isDone() && show.isDone()).to.be.true();
        });

        it('uses the scope\'s region, and a catalog URL that names /v2 as it is', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const two = nock(OCTAVIA_TWO, { reqheaders: { 'x-auth-token': 'tok-1' } }).get('/load-balancer/v2/lbaas/loadbalancers/lb-2')
                .reply(200, { loadbalancer: { id: 'lb-2', project_id: 'tenant-1', pools: [] } });
            expect(await client().poolsOf({ projectId: 'tenant-1', region: 'RegionTwo' }, 'lb-2')).to.equal([]);
            expect(two.isDone()).to.be.true();
        });

        it('is load_balancer_gone on a 404, and for a load balancer of another project', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            octavia().get('/v2/lbaas/loadbalancers/nope').reply(404, fault('Load Balancer nope not found.'), OCTAVIA_HEADERS);
            octavia().get('/v2/lbaas/loadbalancers/theirs').reply(200, { loadbalancer: { id: 'theirs', project_id: 'tenant-2', pools: [{ id: 'p9' }] } });
            const c = client();
            const gone = await failure(c.poolsOf(SCOPE, 'nope'));
            expect([gone.kind, gone.status, gone.message]).to.equal(['load_balancer_gone', 404, 'Load Balancer nope not found.']);
            const theirs = await failure(c.poolsOf(SCOPE, 'theirs'));
            expect([theirs.kind, theirs.status, theirs.message]).to.equal(['load_balancer_gone', null, 'Load balancer theirs is not in project tenant-1']);
        });

        it('escapes the id in the path, and is server_error when the answer lacks its pools or project', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const escaped = octavia().get('/v2/lbaas/loadbalancers/a%2Fb').reply(200, { loadbalancer: { id: 'a/b', project_id: 'tenant-1' } });
            octavia().get('/v2/lbaas/loadbalancers/lb-1').reply(200, { loadbalancer: { id: 'lb-1', pools: [] } });
            octavia().get('/v2/lbaas/loadbalancers/lb-3').reply(200, { loadbalancer: { id: 'lb-3', project_id: 'tenant-1', pools: [{ id: 'p1' }, 'p2'] } });
            octavia().get('/v2/lbaas/loadbalancers/lb-4').reply(200, 'not json');
            const c = client();
            const messages = [];
            for (const id of ['a/b', 'lb-1', 'lb-3', 'lb-4']) {
                const err = await failure(c.poolsOf(SCOPE, id));
                expect([err.kind, err.status]).to.equal(['server_error', 200]);
                messages.push(err.message);
            }

            expect(escaped.isDone()).to.be.true();
            expect(messages).to.equal([
                'Malformed answer from Octavia: GET /lbaas/loadbalancers/a%2Fb: no pools list',
                'Malformed answer from Octavia: GET /lbaas/loadbalancers/lb-1: no project_id',
                'Malformed answer from Octavia: GET /lbaas/loadbalancers/lb-3 (pools): no id',
                'Malformed answer from Octavia: GET /lbaas/loadbalancers/lb-4: no loadbalancer object'
            ]);
        });
    });

    describe('createMember', () => {

        it('checks the pool is the project\'s, then POSTs the member with the project\'s token and the exact body', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const pool = ownPool();
            const member = { address: '10.20.1.211', protocol_port: 80, name: 'web-as0123abcd', subnet_id: 'subnet-1', weight: 5 };
            const create = octavia('tok-1', true).post('/v2/lbaas/pools/p1/members', { member })
                .reply(201, { member: rawMember('m1', { provisioning_status: 'PENDING_CREATE', operating_status: 'NO_MONITOR', weight: 5 }) }, OCTAVIA_HEADERS);
            expect(await client().createMember(SCOPE, 'p1', { ...SPEC, subnetId: 'subnet-1', weight: 5 })).to.equal({ id: 'm1' });
            expect(pool.isDone() && create.isDone()).to.be.true();
        });

        it('POSTs at once when the caller checked the pool in the same pass, and checkPool alone checks it', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const pool = ownPool();
            const create = octavia('tok-1', true).post('/v2/lbaas/pools/p1/members').reply(201, { member: rawMember('m3') });
            const c = client();
            await c.checkPool(SCOPE, 'p1');
            expect(await c.createMember(SCOPE, 'p1', SPEC, true)).to.equal({ id: 'm3' });
            expect(pool.isDone() && create.isDone()).to.be.true();
            expect(nock.pendingMocks()).to.equal([]);
        });

        it('sends no subnet_id or weight when none is given (Octavia\'s default weight then applies)', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            ownPool();
            const create = octavia('tok-1', true).post('/v2/lbaas/pools/p1/members', (body: unknown) =>
                JSON.stringify(body) === JSON.stringify({ member: { address: '10.20.1.211', protocol_port: 80, name: 'web-as0123abcd' } }))
                .reply(201, { member: rawMember('m2') });
            expect(await client().createMember(SCOPE, 'p1', SPEC)).to.equal({ id: 'm2' });
            expect(create.isDone()).to.be.true();
        });

        it('names the instance in its User-Agent when given one', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const agent = instanceUserAgent('7f0c2b1e-5d4a-4c3b-9a8e-1f2d3c4b5a69');
            const show = nock(OCTAVIA, { reqheaders: { 'user-agent': 'nova-autoscale (instance 7f0c2b1e-5d4a-4c3b-9a8e-1f2d3c4b5a69)' } })
                .get('/v2/lbaas/pools/p1').reply(200, { pool: rawPool('p1') }, OCTAVIA_HEADERS);
            await client({ userAgent: agent }).checkPool(SCOPE, 'p1');
            expect(show.isDone()).to.be.true();
        });

        it('keeps one token per project: a second call reuses it, another project authenticates on its own', async () => {
            const first = expectProjectAuth('tenant-1', 'tok-1');
            const other = expectProjectAuth('tenant-2', 'tok-2');
            octavia('tok-1').get('/v2/lbaas/pools/p1').times(2).reply(200, { pool: rawPool('p1') });
            octavia('tok-1', true).post('/v2/lbaas/pools/p1/members').times(2).reply(201, { member: rawMember('m1') });
            octavia('tok-2').get('/v2/lbaas/pools/q1').reply(200, { pool: rawPool('q1', 'tenant-2') });
            octavia('tok-2', true).post('/v2/lbaas/pools/q1/members').reply(201, { member: rawMember('m2', { project_id: 'tenant-2' }) });
            const c = client();
            await c.createMember(SCOPE, 'p1', SPEC);
            await c.createMember(SCOPE, 'p1', SPEC);
            expect((await c.createMember({ projectId: 'tenant-2', region: null }, 'q1', SPEC)).id).to.equal('m2');
            expect(first.isDone() && other.isDone()).to.be.true();
            expect(c.sessions.size).to.equal(2);
            expect(nock.pendingMocks()).to.equal([]);
        });

        it('is pool_gone, with nothing POSTed, when the pool does not exist or is another project\'s', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            octavia().get('/v2/lbaas/pools/nope').reply(404, fault('Pool nope not found.'), OCTAVIA_HEADERS);
            ownPool('theirs', 'tenant-2');
            const post = octavia('tok-1', true).post(/members/).reply(201, { member: rawMember('never') });
            const c = client();
            const gone = await failure(c.createMember(SCOPE, 'nope', SPEC));
            expect([gone.kind, gone.status, gone.message]).to.equal(['pool_gone', 404, 'Pool nope not found.']);
            const theirs = await failure(c.createMember(SCOPE, 'theirs', SPEC));
            expect([theirs.kind, theirs.status, theirs.message]).to.equal(['pool_gone', null, 'Pool theirs is not in project tenant-1']);
            expect(post.isDone()).to.be.false();
        });

        it('is pool_gone when the pool goes between the check and the POST (webob\'s HTML 404)', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            ownPool();
            const html = '<html>\n <head>\n  <title>404 Bad Request</title>\n </head>\n <body>\n  <h1>404 Bad Request</h1>\n  The server could not comply with the request since it is either malformed or otherwise incorrect.<br /><br />\nPool p1 not found.\n\n\n </body>\n</html>';
            octavia('tok-1', true).post('/v2/lbaas/pools/p1/members').reply(404, html, { 'Content-Type': 'text/html; charset=UTF-8' });
            const err = await failure(client().createMember(SCOPE, 'p1', SPEC));
            expect([err.kind, err.status, err.message]).to.equal(['pool_gone', 404, 'Pool p1 not found.']);
        });

        it('is refused when the POST\'s 404 is about the subnet: the pool was there', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            ownPool();
            octavia('tok-1', true).post('/v2/lbaas/pools/p1/members').reply(404, fault('Subnet 0e2b not found.'), OCTAVIA_HEADERS);
            const err = await failure(client().createMember(SCOPE, 'p1', { ...SPEC, subnetId: '0e2b' }));
            expect([err.kind, err.status, err.message]).to.equal(['refused', 404, 'Subnet 0e2b not found.']);
        });

        it('is server_error when the 201 carries no member id', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            ownPool();
            octavia('tok-1', true).post('/v2/lbaas/pools/p1/members').reply(201, { member: { name: 'x' } });
            const err = await failure(client().createMember(SCOPE, 'p1', SPEC));
            expect([err.kind, err.status, err.message]).to.equal(['server_error', 201, 'Malformed answer from Octavia: POST /lbaas/pools/p1/members: no id']);
        });
    });

    describe('showMember and listMembers', () => {

        it('shows a member as the workflow reads it, and answers null on 404 (member or pool gone)', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            octavia().get('/v2/lbaas/pools/p1/members/m1').reply(200, { member: rawMember('m1', { provisioning_status: 'PENDING_UPDATE', weight: 0, name: null }) }, OCTAVIA_HEADERS);
            octavia().get('/v2/lbaas/pools/p1/members/gone').reply(404, fault('Member gone not found.'));
            octavia().get('/v2/lbaas/pools/p%2F2/members/m%3F1').reply(404, '<html><body>Pool p/2 not found.</body></html>');
            const c = client();
            expect(await c.showMember(SCOPE, 'p1', 'm1')).to.equal({
                id: 'm1', name: '', address: '10.20.1.211', protocolPort: 80, subnetId: 'subnet-1', weight: 0,
                provisioningStatus: 'PENDING_UPDATE', operatingStatus: 'NO_MONITOR', projectId: 'tenant-1'
            });
            expect(await c.showMember(SCOPE, 'p1', 'gone')).to.be.null();
            expect(await c.showMember(SCOPE, 'p/2', 'm?1')).to.be.null();
            expect(nock.pendingMocks()).to.equal([]);
        });

        it('is server_error on a member without its status, weight or port, and on an error answer', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            octavia().get('/v2/lbaas/pools/p1/members/m1').reply(200, { member: rawMember('m1', { provisioning_status: undefined }) });
            octavia().get('/v2/lbaas/pools/p1/members/m2').reply(200, { member: rawMember('m2', { weight: 1.5 }) });
            octavia().get('/v2/lbaas/pools/p1/members/m5').reply(200, { member: rawMember('m5', { address: '' }) });
            octavia().get('/v2/lbaas/pools/p1/members/m3').reply(200, { member: 'm3' });
            octavia().get('/v2/lbaas/pools/p1/members/m4').reply(500, fault('Internal Server Error'));
            const c = client();
            const messages = [];
            for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) {
                const err = await failure(c.showMember(SCOPE, 'p1', id));
                expect(err.kind).to.equal('server_error');
                messages.push(err.message);
            }

            expect(messages).to.equal([
                'Malformed answer from Octavia: GET /lbaas/pools/p1/members/m1 (member m1): no provisioning_status',
                'Malformed answer from Octavia: GET /lbaas/pools/p1/members/m2 (member m2): weight is not an integer',
                'Malformed answer from Octavia: GET /lbaas/pools/p1/members/m3: no member object',
                'Internal Server Error',
                'Malformed answer from Octavia: GET /lbaas/pools/p1/members/m5 (member m5): no address'
            ]);
        });

        it('walks the pages by marker on the catalog endpoint, through a full last page whose next page is empty', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            // Octavia writes links from its own idea of its URL: only the marker is used.
            const page1 = octavia().get('/v2/lbaas/pools/p1/members').query({ limit: '2' })
                .reply(200, { members: [rawMember('m1'), rawMember('m2')], members_links: [{ rel: 'next', href: 'http://10.0.0.5:9876/v2/lbaas/pools/p1/members?limit=2&marker=m2' }] });
            const page2 = octavia().get('/v2/lbaas/pools/p1/members').query({ limit: '2', marker: 'm2' })
                .reply(200, { members: [rawMember('m3'), rawMember('m4')], members_links: [{ rel: 'previous', href: 'x' }, { rel: 'next', href: 'http://10.0.0.5:9876/v2/lbaas/pools/p1/members?limit=2&marker=m4' }] });
            // An empty page ends the listing, whatever its links say.
            const page3 = octavia().get('/v2/lbaas/pools/p1/members').query({ limit: '2', marker: 'm4' })
                .reply(200, { members: [], members_links: [{ rel: 'next', href: 'http://10.0.0.5:9876/v2/lbaas/pools/p1/members?limit=2&marker=m4' }] });
            const members = await client({ pageSize: 2 }).listMembers(SCOPE, 'p1');
            expect(members.map((m) => m.id)).to.equal(['m1', 'm2', 'm3', 'm4']);
            expect(page1.isDone() && page2.isDone() && page3.isDone()).to.be.true();
        });

        it('asks for 1000 per page by default, stops on a page without a next link, and keeps only the project\'s members', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const page = octavia().get('/v2/lbaas/pools/p1/members').query({ limit: '1000' })
                .reply(200, { members: [rawMember('m1'), rawMember('m2', { project_id: 'tenant-2' })], members_links: [] });
            expect((await client().listMembers(SCOPE, 'p1')).map((m) => m.id)).to.equal(['m1']);
            expect(page.isDone()).to.be.true();
        });

        it('falls back on the last id when the next link has no marker, and throws when the listing does not advance', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            octavia().get('/v2/lbaas/pools/p1/members').query({ limit: '1' })
                .reply(200, { members: [rawMember('m1')], members_links: [{ rel: 'next', href: '/weird' }] });
            octavia().get('/v2/lbaas/pools/p1/members').query({ limit: '1', marker: 'm1' }).times(2)
                .reply(200, { members: [rawMember('m1')], members_links: [{ rel: 'next', href: 'http://o/v2/lbaas/pools/p1/members?limit=1&marker=m1' }] });
            const err = await failure(client({ pageSize: 1 }).listMembers(SCOPE, 'p1'));
            expect(err.kind).to.equal('server_error');
            expect(err.message).to.contain('does not advance');
        });

        it('reads links that are not a list as no next page, and fails a page holding a member that is not an object', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            octavia().get('/v2/lbaas/pools/p1/members').query(true).reply(200, { members: [rawMember('m1')], members_links: 'next' });
            octavia().get('/v2/lbaas/pools/p3/members').query(true).reply(200, { members: [rawMember('m3', { subnet_id: null, operating_status: null })], members_links: ['next', { rel: 'next', href: 7 }] });
            octavia().get('/v2/lbaas/pools/p2/members').query(true).reply(200, { members: [rawMember('m1'), 'm2'], members_links: [] });
            const c = client();
            expect((await c.listMembers(SCOPE, 'p1')).map((m) => m.id)).to.equal(['m1']);
            expect(await c.listMembers(SCOPE, 'p3')).to.equal([{
                id: 'm3', name: 'web-as000000m3', address: '10.20.1.211', protocolPort: 80, subnetId: null, weight: 1,
                provisioningStatus: 'ACTIVE', operatingStatus: '', projectId: 'tenant-1'
            }]);
            const err = await failure(c.listMembers(SCOPE, 'p2'));
            expect([err.kind, err.message]).to.equal(['server_error', 'Malformed answer from Octavia: GET /lbaas/pools/p2/members?limit=1000: a member is not an object']);
        });

        it('is pool_gone on a 404, server_error on a page without a members list, with no partial list', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            octavia().get('/v2/lbaas/pools/nope/members').query(true).reply(404, '<html><body>\nPool nope not found.\n</body></html>');
            octavia().get('/v2/lbaas/pools/p1/members').query(true).reply(200, { members_links: [] });
            const c = client();
            const gone = await failure(c.listMembers(SCOPE, 'nope'));
            expect([gone.kind, gone.message]).to.equal(['pool_gone', 'Pool nope not found.']);
            expect((await failure(c.listMembers(SCOPE, 'p1'))).message).to.contain('no members list');
            expect(() => client({ pageSize: 0 })).to.throw(RangeError, /pageSize/);
        });
    });

    describe('setWeight and deleteMember', () => {

        it('PUTs the weight alone: 200 or 202 is updated, 404 is gone', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const put = octavia('tok-1', true)
                .put('/v2/lbaas/pools/p1/members/m1', { member: { weight: 0 } }).reply(200, { member: rawMember('m1', { weight: 0, provisioning_status: 'PENDING_UPDATE' }) })
                .put('/v2/lbaas/pools/p1/members/m2', { member: { weight: 0 } }).reply(202, { member: rawMember('m2') })
                .put('/v2/lbaas/pools/p1/members/m3', { member: { weight: 0 } }).reply(404, fault('Member m3 not found.'));
            const c = client();
            expect(await c.setWeight(SCOPE, 'p1', 'm1', 0)).to.equal('updated');
            expect(await c.setWeight(SCOPE, 'p1', 'm2', 0)).to.equal('updated');
            expect(await c.setWeight(SCOPE, 'p1', 'm3', 0)).to.equal('gone');
            expect(put.isDone()).to.be.true();
        });

        it('is busy when the load balancer is PENDING_UPDATE, for a weight and for a delete', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            octavia('tok-1', true).put('/v2/lbaas/pools/p1/members/m1').reply(409, fault(IMMUTABLE), OCTAVIA_HEADERS);
            octavia().delete('/v2/lbaas/pools/p1/members/m1').reply(409, fault(IMMUTABLE), OCTAVIA_HEADERS);
            const c = client();
            for (const err of [await failure(c.setWeight(SCOPE, 'p1', 'm1', 0)), await failure(c.deleteMember(SCOPE, 'p1', 'm1'))]) {
                expect([err.kind, err.status, err.message, err.retryAfterS]).to.equal(['busy', 409, IMMUTABLE, null]);
            }
        });

        it('DELETEs without a body: 204 is deleting, 404 is gone', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const del = octavia()
                .delete('/v2/lbaas/pools/p1/members/m1').reply(204)
                .delete('/v2/lbaas/pools/p1/members/m2').reply(404, fault('Member m2 not found.'));
            const c = client();
            expect(await c.deleteMember(SCOPE, 'p1', 'm1')).to.equal('deleting');
            expect(await c.deleteMember(SCOPE, 'p1', 'm2')).to.equal('gone');
            expect(del.isDone()).to.be.true();
        });
    });

    describe('errors', () => {

        const cases: Array<{ status: number; body: nock.Body; headers?: Record<string, string>; kind: LoadBalancerErrorKind; retryAfterS: number | null; message: string }> = [
            { status: 400, body: fault('Invalid input for field/attribute address. Value: \'10.20.1\'. Value should be IPv4 or IPv6 format'), kind: 'refused', retryAfterS: null, message: 'Invalid input for field/attribute address. Value: \'10.20.1\'. Value should be IPv4 or IPv6 format' },
            { status: 403, body: fault('Policy does not allow this request to be performed.'), kind: 'forbidden', retryAfterS: null, message: 'Policy does not allow this request to be performed.' },
            { status: 403, body: fault('Quota has been met for resources: Member'), kind: 'quota', retryAfterS: null, message: 'Quota has been met for resources: Member' },
            { status: 409, body: fault(IMMUTABLE), kind: 'busy', retryAfterS: null, message: IMMUTABLE },
            { status: 409, body: fault('Pool p1 is immutable and cannot be updated.'), kind: 'busy', retryAfterS: null, message: 'Pool p1 is immutable and cannot be updated.' },
            { status: 409, body: fault('Invalid state PENDING_CREATE of loadbalancer resource lb-1'), kind: 'busy', retryAfterS: null, message: 'Invalid state PENDING_CREATE of loadbalancer resource lb-1' },
            { status: 409, body: fault(DUPLICATE), kind: 'refused', retryAfterS: null, message: DUPLICATE },
            { status: 409, body: '', kind: 'refused', retryAfterS: null, message: 'Octavia answered 409 to POST /lbaas/pools/p1/members' },
            { status: 415, body: fault('Unsupported Media Type'), kind: 'refused', retryAfterS: null, message: 'Unsupported Media Type' },
            { status: 413, body: 'Too large', headers: { 'Retry-After': '30' }, kind: 'over_limit', retryAfterS: 30, message: 'Too large' },
            { status: 429, body: 'Too Many Requests', headers: { 'Retry-After': '12' }, kind: 'over_limit', retryAfterS: 12, message: 'Too Many Requests' },
            { status: 429, body: 'Too Many Requests', kind: 'over_limit', retryAfterS: null, message: 'Too Many Requests' },
            { status: 503, body: fault('Project busy.  Unable to lock the project.  Please try again.'), headers: { 'Retry-After': '7' }, kind: 'unavailable', retryAfterS: 7, message: 'Project busy.  Unable to lock the project.  Please try again.' },
            { status: 503, body: '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>', headers: { 'Retry-After': new Date(T0 + 45_000).toUTCString() }, kind: 'unavailable', retryAfterS: 45, message: 'No server is available to handle this request.' },
            { status: 503, body: '', kind: 'unavailable', retryAfterS: null, message: 'Octavia answered 503 to POST /lbaas/pools/p1/members' },
            { status: 500, body: fault('Provider \'amphora\' reports error: broken'), kind: 'server_error', retryAfterS: null, message: 'Provider \'amphora\' reports error: broken' },
            { status: 502, body: '', kind: 'server_error', retryAfterS: null, message: 'Octavia answered 502 to POST /lbaas/pools/p1/members' },
            { status: 503, body: '<html><body></body></html>', kind: 'unavailable', retryAfterS: null, message: 'Octavia answered 503 to POST /lbaas/pools/p1/members' },
            // A redirect is not followed: Octavia answering anything but 2xx to a create is trouble.
            { status: 302, body: '', headers: { Location: 'http://elsewhere/' }, kind: 'server_error', retryAfterS: null, message: 'Octavia answered 302 to POST /lbaas/pools/p1/members' },
            // The pool went between the check and the POST, and the 404 says nothing.
            { status: 404, body: '', kind: 'pool_gone', retryAfterS: null, message: 'Octavia answered 404 to POST /lbaas/pools/p1/members' }
        ];

        for (const c of cases) {
            it(`${c.status} ${c.message.slice(0, 40)}${c.headers ? ` with Retry-After ${c.headers['Retry-After']}` : ''} → ${c.kind}, retryAfterS ${c.retryAfterS}`, async () => {
                expectProjectAuth('tenant-1', 'tok-1');
                ownPool();
                octavia('tok-1', true).post('/v2/lbaas/pools/p1/members').reply(c.status, c.body, c.headers);
                const err = await failure(client().createMember(SCOPE, 'p1', SPEC));
                expect(err.kind).to.equal(c.kind);
                expect(err.status).to.equal(c.status);
                expect(err.retryAfterS).to.equal(c.retryAfterS);
                expect(err.message).to.equal(c.message);
            });
        }

        it('authenticates again once on a 401 and retries with the new token', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const reauth = expectProjectAuth('tenant-1', 'tok-2');
            octavia('tok-1').get('/v2/lbaas/pools/p1/members/m1').reply(401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
            const retried = octavia('tok-2').get('/v2/lbaas/pools/p1/members/m1').reply(200, { member: rawMember('m1') });
            expect((await client().showMember(SCOPE, 'p1', 'm1'))?.id).to.equal('m1');
            expect(reauth.isDone() && retried.isDone()).to.be.true();
        });

        it('is unauthorized when the retry is refused too', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            expectProjectAuth('tenant-1', 'tok-2');
            octavia('tok-1').delete('/v2/lbaas/pools/p1/members/m1').reply(401, { error: { code: 401, message: 'no' } });
            octavia('tok-2').delete('/v2/lbaas/pools/p1/members/m1').reply(401, { error: { code: 401, message: 'still no' } });
            const err = await failure(client().deleteMember(SCOPE, 'p1', 'm1'));
            expect([err.kind, err.status, err.message]).to.equal(['unauthorized', 401, 'still no']);
            expect(nock.pendingMocks()).to.equal([]);
        });

        it('is timeout when Octavia does not answer within the deadline', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            ownPool();
            octavia('tok-1', true).post('/v2/lbaas/pools/p1/members').delay(2_000).reply(201, { member: rawMember('late') });
            const started = Date.now();
            const err = await failure(client({ timeouts: { createMs: 100 } }).createMember(SCOPE, 'p1', SPEC));
            expect(Date.now() - started).to.be.below(1_000);
            expect([err.kind, err.status]).to.equal(['timeout', null]);
            expect(err.message).to.equal('Octavia did not answer POST /lbaas/pools/p1/members within 100 ms');
        });

        it('is timeout on undici\'s own timer codes, network when Octavia cannot be reached', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            octavia().get('/v2/lbaas/pools/p1/members/m1').replyWithError({ message: 'Headers Timeout Error', code: 'UND_ERR_HEADERS_TIMEOUT' });
            octavia().get('/v2/lbaas/pools/p1/members/m2').replyWithError({ message: 'connect ECONNREFUSED 10.0.0.1:9876', code: 'ECONNREFUSED' });
            octavia().get('/v2/lbaas/pools/p1/members/m3').replyWithError('socket hang up');
            octavia().get('/v2/lbaas/pools/p1/members/m4').replyWithError(Object.assign(new Error('fetch failed'), { cause: { code: 'ETIMEDOUT' } }));
            const c = client();
            expect((await failure(c.showMember(SCOPE, 'p1', 'm1'))).kind).to.equal('timeout');
            expect((await failure(c.showMember(SCOPE, 'p1', 'm4'))).kind).to.equal('timeout');
            const refused = await failure(c.showMember(SCOPE, 'p1', 'm2'));
            expect([refused.kind, refused.message]).to.equal(['network', 'Octavia unreachable (GET /lbaas/pools/p1/members/m2): connect ECONNREFUSED 10.0.0.1:9876 (ECONNREFUSED)']);
            expect((await failure(c.showMember(SCOPE, 'p1', 'm3'))).kind).to.equal('network');
        });

        it('is unauthorized when Keystone refuses the service account for the project, unavailable when Keystone is down', async () => {
            nock(KEYSTONE).post('/v3/auth/tokens').reply(401, { error: { code: 401, message: 'The request you have made requires authentication.' } });
            const refused = await failure(client().poolsOf(SCOPE, 'lb-1'));
            expect([refused.kind, refused.status]).to.equal(['unauthorized', 401]);

            nock(KEYSTONE).post('/v3/auth/tokens').reply(503, 'down');
            const down = await failure(client().poolsOf(SCOPE, 'lb-1'));
            expect([down.kind, down.retryAfterS]).to.equal(['unavailable', null]);
        });

        it('uses a dispatcher it is given for Keystone and Octavia alike, and the catalog\'s first public endpoint when no region is named', async () => {
            const agent = new MockAgent();
            agent.disableNetConnect();
            agent.get(KEYSTONE).intercept({ path: '/v3/auth/tokens', method: 'POST' })
                .reply(201, tokenBody({ catalog: OCTAVIA_CATALOG, projectId: 'tenant-1' }), { headers: { 'x-subject-token': 'tok-9', 'content-type': 'application/json' } });
            agent.get(OCTAVIA).intercept({ path: '/v2/lbaas/pools/p1/members/m1', method: 'GET', headers: { 'x-auth-token': 'tok-9' } })
                .reply(200, { member: rawMember('m1') }, { headers: { 'content-type': 'application/json' } });
            const c = new OctaviaClient(account({ regionName: undefined }), { dispatcher: agent, keystoneTimeoutMs: 5_000 });
            try {
                expect((await c.showMember(SCOPE, 'p1', 'm1'))?.id).to.equal('m1');
                agent.assertNoPendingInterceptors();
            }
            finally {
                await agent.close();
            }
        });

        it('is unavailable, with nothing sent, when the catalog has no load-balancer endpoint in the region', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const err = await failure(client().createMember({ projectId: 'tenant-1', region: 'RegionNine' }, 'p1', SPEC));
            expect(err.kind).to.equal('unavailable');
            expect(err.message).to.contain('load-balancer').and.to.contain('RegionNine');

            expectProjectAuth('tenant-1', 'tok-1', OCTAVIA_CATALOG.filter((s) => s.type !== 'load-balancer'));
            expect((await failure(client().showMember(SCOPE, 'p1', 'm1'))).kind).to.equal('unavailable');
        });
    });

    describe('what the meter is told', () => {

        it('each call\'s path as its template, with the scope\'s project and group and Octavia\'s request id', async () => {
            const records: CallRecord[] = [];
            const c = client({ observe: (r) => records.push(r) });
            const scope: LoadBalancerScope = { projectId: 'tenant-1', region: null, groupId: GroupId('g-1') };
            expectProjectAuth('tenant-1', 'tok-1');
            octavia().get('/v2/lbaas/loadbalancers/lb-1').reply(200, { loadbalancer: { id: 'lb-1', project_id: 'tenant-1', pools: [{ id: 'p1' }] } }, { ...OCTAVIA_HEADERS, 'x-openstack-request-id': 'req-o-1' });
            ownPool();
            octavia('tok-1', true).post('/v2/lbaas/pools/p1/members').reply(409, fault(IMMUTABLE), { ...OCTAVIA_HEADERS, 'x-openstack-request-id': 'req-o-2' });
            octavia().get('/v2/lbaas/pools/p1/members').query(true).reply(200, { members: [], members_links: [] }, OCTAVIA_HEADERS);
            octavia().delete('/v2/lbaas/pools/p1/members/m-1').reply(204, '');
            await c.poolsOf(scope, 'lb-1');
            await failure(c.createMember(scope, 'p1', SPEC));
            await c.listMembers(scope, 'p1');
            await c.deleteMember(scope, 'p1', 'm-1');
            expect(records.filter((r) => r.service === 'load-balancer').map((r) => [r.method, r.route, r.code, r.projectId, r.groupId, r.requestId])).to.equal([
                ['GET', '/lbaas/loadbalancers/{loadbalancer_id}', '200', 'tenant-1', 'g-1', 'req-o-1'],
                ['GET', '/lbaas/pools/{pool_id}', '200', 'tenant-1', 'g-1', 'req-1'],
                ['POST', '/lbaas/pools/{pool_id}/members', '409', 'tenant-1', 'g-1', 'req-o-2'],
                ['GET', '/lbaas/pools/{pool_id}/members', '200', 'tenant-1', 'g-1', 'req-1'],
                ['DELETE', '/lbaas/pools/{pool_id}/members/{member_id}', '204', 'tenant-1', 'g-1', null]
            ]);
        });
    });
});
