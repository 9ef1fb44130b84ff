// NovaCompute's exact HTTP: what each call sends (method, path, query,
// headers, body), how it pages, and which ComputeError each answer becomes.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import nock from 'nock';
import { instanceUserAgent } from '../../adapters/http/service-call';
import { NovaCompute, type NovaComputeOptions } from '../../adapters/nova/compute';
import { type ComputeScope } from '../../core/ports/compute';
import type { CallRecord } from '../../adapters/http/meter';
import { GroupId } from '../../core/model/ids';
import { ComputeError, type ComputeErrorKind } from '../../core/model/server';
import { account, CATALOG, KEYSTONE, ManualClock, startNock, stopNock, T0, tokenBody } from './fixtures';

const { describe, it, before, after, afterEach } = exports.lab = Lab.script();
const { expect } = Code;

const NOVA = 'http://nova-one.test:8774';
const SCOPE: ComputeScope = { projectId: 'tenant-1', region: null };

// The service account's password auth, scoped to `projectId` by id only.
const expectProjectAuth = (projectId: string, subjectToken: string): nock.Scope =>
    nock(KEYSTONE, { reqheaders: { 'content-type': 'application/json' } })
        .post('/v3/auth/tokens', {
            auth: {
                identity: { methods: ['password'], password: { user: { name: 'autoscale', domain: { name: 'Default' }, password: 's3cret' } } },
                scope: { project: { id: projectId } }
            }
        })
        .reply(201, tokenBody({ catalog: CATALOG, projectId }), { 'X-Subject-Token': subjectToken, 'Content-Type': 'application/json' });

// Nova, expecting the microversion, the token and JSON.
const nova = (token = 'tok-1', extra: Record<string, string> = {}): nock.Scope =>
    nock(NOVA, { reqheaders: { 'openstack-api-version': 'compute 2.37', 'x-auth-token': token, accept: 'application/json', ...extra } });

// Every compute answer header a real Nova sends back.
const NOVA_HEADERS = { 'Content-Type': 'application/json', 'OpenStack-API-Version': 'compute 2.37' };

const rawServer = (id: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
    id,
    name: `web-as${id.padStart(8, '0').slice(-8)}`,
    status: 'ACTIVE',
    tenant_id: 'tenant-1',
    metadata: { 'autoscale:group_id': 'g1', 'autoscale:intent_id': `i-${id}` },
    created: '2030-01-01T00:00:00Z',
    'OS-EXT-STS:task_state': null,
    ...over
});

const compute = (options: NovaComputeOptions = {}): NovaCompute =>
    new NovaCompute(account({ projectId: undefined, projectName: 'service', projectDomainName: 'Default' }), { clock: new ManualClock(), ...options });

const failure = async (promise: Promise<unknown>): Promise<ComputeError> => {
    const err = await expect(promise).to.reject();
    expect(err).to.be.an.instanceof(ComputeError);
    return err as ComputeError;
};

describe('NovaCompute over HTTP', () => {

    before(startNock);
    after(stopNock);
    afterEach(() => nock.cleanAll());

    describe('createServer', () => {

        it('authenticates scoped to the project by id, then POSTs /servers with the microversion, token and JSON body', async () => {
            const auth = expectProjectAuth('tenant-1', 'tok-1');
            const server = { name: 'web-as0123abcd', imageRef: 'img', flavorRef: '1', networks: 'none', metadata: { 'autoscale:group_id': 'g1', 'autoscale:intent_id': 'i1' } };
            const create = nova('tok-1', { 'content-type': 'application/json' })
                .post('/v2.1/servers', { server })
                .reply(202, { server: { id: 'srv-1', links: [], adminPass: 'x', security_groups: [{ name: 'default' }] } }, NOVA_HEADERS);

            const result = await compute().createServer(SCOPE, server);
            expect(result).to.equal({ id: 'srv-1' });
            expect(auth.isDone()).to.be.true();
            expect(create.isDone()).to.be.true();
        });

        it('sends a later microversion when asked, and refuses one below 2.37', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const create = nock(NOVA, { reqheaders: { 'openstack-api-version': 'compute 2.60' } })
                .post('/v2.1/servers').reply(202, { server: { id: 'srv-2' } });
            expect(await compute({ microversion: '2.60' }).createServer(SCOPE, { name: 'x' })).to.equal({ id: 'srv-2' });
            expect(create.isDone()).to.be.true();

            expect(() => compute({ microversion: '2.36' })).to.throw(RangeError, /2\.37 or later/);
            expect(() => compute({ microversion: 'latest' })).to.throw(RangeError);
            expect(() => compute({ pageSize: 0 })).to.throw(RangeError);
        });

        it('says it is nova-autoscale in its User-Agent, and which instance when given one', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            expectProjectAuth('tenant-1', 'tok-2');
            const plain = nova('tok-1', { 'user-agent': 'nova-autoscale' }).post('/v2.1/servers').reply(202, { server: { id: 'a' } });
            const named = nova('tok-2', { 'user-agent': 'nova-autoscale (instance 7f0c2b1e-5d4a-4c3b-9a8e-1f2d3c4b5a69)' })
                .post('/v2.1/servers').reply(202, { server: { id: 'b' } });
            expect((await compute().createServer(SCOPE, {})).id).to.equal('a');
            expect((await compute({ userAgent: instanceUserAgent('7f0c2b1e-5d4a-4c3b-9a8e-1f2d3c4b5a69') }).createServer(SCOPE, {})).id).to.equal('b');
            expect(plain.isDone() && named.isDone()).to.be.true();
        });

        it('keeps one token per project: a second call reuses it, another project authenticates on its own', async () => {
            const first = expectProjectAuth('tenant-1', 'tok-1');
            const other = expectProjectAuth('tenant-2', 'tok-2');
            nova('tok-1').post('/v2.1/servers').times(2).reply(202, { server: { id: 'a' } });
            nova('tok-2').post('/v2.1/servers').reply(202, { server: { id: 'b' } });

            const c = compute();
            await c.createServer(SCOPE, {});
            await c.createServer(SCOPE, {});
            expect((await c.createServer({ projectId: 'tenant-2', region: null }, {})).id).to.equal('b');
            expect(first.isDone()).to.be.true();
            expect(other.isDone()).to.be.true();
            expect(c.sessions.size).to.equal(2);
            expect(nock.pendingMocks()).to.equal([]);
        });

        it('uses the scope\'s region to pick the endpoint, else the account\'s', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const two = nock('http://nova-two.test:8774').post('/v2.1/servers').reply(202, { server: { id: 'r2' } });
            expect((await compute().createServer({ projectId: 'tenant-1', region: 'RegionTwo' }, {})).id).to.equal('r2');
            expect(two.isDone()).to.be.true();
        });

        it('is server_error when a 202 carries no server id', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            nova().post('/v2.1/servers').reply(202, { server: {} });
            const err = await failure(compute().createServer(SCOPE, {}));
            expect(err.kind).to.equal('server_error');
            expect(err.message).to.contain('no server id');
        });
    });

    describe('listServers', () => {

        it('walks three pages by marker on the catalog endpoint until a page has no next link', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            // The links name another host, as Nova behind a proxy can: only their marker is used.
            const page1 = nova().get('/v2.1/servers/detail').query({ limit: '2' })
                .reply(200, { servers: [rawServer('s1'), rawServer('s2')], servers_links: [{ rel: 'next', href: 'http://internal:8774/v2.1/servers/detail?limit=2&marker=s2' }] }, NOVA_HEADERS);
            const page2 = nova().get('/v2.1/servers/detail').query({ limit: '2', marker: 's2' })
                .reply(200, { servers: [rawServer('s3'), rawServer('s4', { status: 'BUILD', 'OS-EXT-STS:task_state': 'spawning' })], servers_links: [{ rel: 'next', href: 'http://internal:8774/v2.1/servers/detail?limit=2&marker=s4' }] }, NOVA_HEADERS);
            const page3 = nova().get('/v2.1/servers/detail').query({ limit: '2', marker: 's4' })
                .reply(200, { servers: [rawServer('s5')] }, NOVA_HEADERS);

            const servers = await compute({ pageSize: 2 }).listServers(SCOPE);
            expect(servers.map((s) => s.id)).to.equal(['s1', 's2', 's3', 's4', 's5']);
            expect(servers[3]).to.equal({
                id: 's4', name: 'web-as000000s4', status: 'BUILD', taskState: 'spawning',
                metadata: { 'autoscale:group_id': 'g1', 'autoscale:intent_id': 'i-s4' }, created: new Date('2030-01-01T00:00:00Z'), addresses: []
            });
            expect(page1.isDone() && page2.isDone() && page3.isDone()).to.be.true();
        });

        it('reads each server\'s addresses by network, passing over entries that are not addresses', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const addresses = {
                'provider-net': [
                    { version: 4, addr: '10.20.0.7', 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:01' },
                    { version: 6, addr: 'fd00::7', 'OS-EXT-IPS:type': 'fixed' },
                    { version: 4, addr: '203.0.113.9', 'OS-EXT-IPS:type': 'floating' }
                ],
                legacy: [{ version: 4, addr: '192.168.0.3' }, { version: 5, addr: 'x' }, 'junk', { addr: 7 }],
                broken: 'not a list'
            };
            nova().get('/v2.1/servers/detail').query({ limit: '1000' }).reply(200, { servers: [rawServer('s1', { addresses }), rawServer('s2', { addresses: 'none' })] });
            const [s1, s2] = await compute().listServers(SCOPE);
            expect(s1?.addresses).to.equal([
                { network: 'provider-net', addr: '10.20.0.7', version: 4, type: 'fixed' },
                { network: 'provider-net', addr: 'fd00::7', version: 6, type: 'fixed' },
                { network: 'provider-net', addr: '203.0.113.9', version: 4, type: 'floating' },
                { network: 'legacy', addr: '192.168.0.3', version: 4, type: null }
            ]);
            expect(s2?.addresses).to.equal([]);
        });

        it('falls back on the last id when the next link has no marker', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            nova().get('/v2.1/servers/detail').query({ limit: '1' })
                .reply(200, { servers: [rawServer('s1')], servers_links: [{ rel: 'next', href: '/weird' }] });
            const second = nova().get('/v2.1/servers/detail').query({ limit: '1', marker: 's1' }).reply(200, { servers: [] });
            expect((await compute({ pageSize: 1 }).listServers(SCOPE)).map((s) => s.id)).to.equal(['s1']);
            expect(second.isDone()).to.be.true();
        });

        it('asks for 1000 per page by default', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const page = nova().get('/v2.1/servers/detail').query({ limit: '1000' }).reply(200, { servers: [] });
            expect(await compute().listServers(SCOPE)).to.equal([]);
            expect(page.isDone()).to.be.true();
        });

        it('throws, with no partial list, when a later page fails', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            nova().get('/v2.1/servers/detail').query({ limit: '2' })
                .reply(200, { servers: [rawServer('s1'), rawServer('s2')], servers_links: [{ rel: 'next', href: `${NOVA}/v2.1/servers/detail?limit=2&marker=s2` }] });
            nova().get('/v2.1/servers/detail').query({ limit: '2', marker: 's2' })
                .reply(500, { computeFault: { code: 500, message: 'Unexpected API Error.' } });
            const err = await failure(compute({ pageSize: 2 }).listServers(SCOPE));
            expect(err.kind).to.equal('server_error');
            expect(err.status).to.equal(500);
            expect(err.message).to.equal('Unexpected API Error.');
        });

        it('throws server_error on a malformed page: a server without status or id, no servers list, metadata not strings', async () => {
            const bodies: unknown[] = [
                { servers: [rawServer('s1'), rawServer('s2', { status: undefined })] },
                { servers: [{ ...rawServer('s1'), id: undefined }] },
                { servers_links: [] },
                { servers: [rawServer('s1', { metadata: { 'autoscale:group_id': 7 } })] },
                { servers: [rawServer('s1', { created: 'yesterday' })] },
                'not json'
            ];
            const messages: string[] = [];
            for (const body of bodies) {
                expectProjectAuth('tenant-1', 'tok-1');
                nova().get('/v2.1/servers/detail').query(true).reply(200, body as nock.Body);
                const err = await failure(compute().listServers(SCOPE));
                expect(err.kind).to.equal('server_error');
                messages.push(err.message);
            }

            expect(messages[0]).to.contain('server s2 has no status');
            expect(messages[1]).to.contain('a server has no id');
            expect(messages[2]).to.contain('no servers list');
            expect(messages[3]).to.contain('autoscale:group_id is not a string');
        });

        it('throws when the listing does not advance (the same marker twice)', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const loop = { servers: [rawServer('s1')], servers_links: [{ rel: 'next', href: `${NOVA}/v2.1/servers/detail?limit=1&marker=s1` }] };
            nova().get('/v2.1/servers/detail').query(true).times(2).reply(200, loop);
            const err = await failure(compute({ pageSize: 1 }).listServers(SCOPE));
            expect(err.kind).to.equal('server_error');
            expect(err.message).to.contain('does not advance');
        });
    });

    describe('showServer and deleteServer', () => {

        it('shows a server, and answers null on 404', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            nova().get('/v2.1/servers/s1').reply(200, { server: rawServer('s1', { 'OS-EXT-STS:task_state': 'deleting', metadata: {} }) });
            nova().get('/v2.1/servers/gone').reply(404, { itemNotFound: { code: 404, message: 'Instance gone could not be found.' } });
            const c = compute();
            const shown = await c.showServer(SCOPE, 's1');
            expect(shown?.taskState).to.equal('deleting');
            expect(shown?.metadata).to.equal({});
            expect(await c.showServer(SCOPE, 'gone')).to.be.null();
        });

        it('escapes the server id in the path', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const show = nova().get('/v2.1/servers/a%2Fb').reply(404, {});
            expect(await compute().showServer(SCOPE, 'a/b')).to.be.null();
            expect(show.isDone()).to.be.true();
        });

        it('deletes: 204 is deleting, 404 is gone, and neither sends a body', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const del = nock(NOVA, { reqheaders: { 'openstack-api-version': 'compute 2.37', 'x-auth-token': 'tok-1' }, badheaders: ['content-type'] })
                .delete('/v2.1/servers/s1').reply(204)
                .delete('/v2.1/servers/s2').reply(404, { itemNotFound: { code: 404, message: 'Instance s2 could not be found.' } });
            const c = compute();
            expect(await c.deleteServer(SCOPE, 's1')).to.equal('deleting');
            expect(await c.deleteServer(SCOPE, 's2')).to.equal('gone');
            expect(del.isDone()).to.be.true();
        });
    });

    describe('errors', () => {

        const cases: Array<{ status: number; body: unknown; headers?: Record<string, string>; kind: ComputeErrorKind; retryAfterS: number | null; message: string }> = [
            { status: 400, body: { badRequest: { code: 400, message: 'Can not find requested image' } }, kind: 'bad_request', retryAfterS: null, message: 'Can not find requested image' },
            { status: 403, body: { forbidden: { code: 403, message: 'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances' } }, kind: 'quota', retryAfterS: null, message: 'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances' },
            { status: 404, body: { itemNotFound: { code: 404, message: 'Flavor 9 could not be found.' } }, kind: 'not_found', retryAfterS: null, message: 'Flavor 9 could not be found.' },
            { status: 409, body: { conflictingRequest: { code: 409, message: 'locked' } }, kind: 'bad_request', retryAfterS: null, message: 'locked' },
            { status: 413, body: { overLimit: { code: 413, message: 'Over limit', retryAfter: '99' } }, headers: { 'Retry-After': '30' }, kind: 'over_limit', retryAfterS: 30, message: 'Over limit' },
            { status: 429, body: { overLimit: { code: 429, message: 'Rate limited', retryAfter: '12' } }, kind: 'over_limit', retryAfterS: 12, message: 'Rate limited' },
            { status: 413, body: { overLimit: { code: 413, message: 'Over limit' } }, kind: 'over_limit', retryAfterS: null, message: 'Over limit' },
            { status: 503, body: { serviceUnavailable: { code: 503, message: 'Try later' } }, headers: { 'Retry-After': new Date(T0 + 45_000).toUTCString() }, kind: 'unavailable', retryAfterS: 45, message: 'Try later' },
            { status: 503, body: '<html>Service Unavailable</html>', headers: { 'Retry-After': '7' }, kind: 'unavailable', retryAfterS: 7, message: '<html>Service Unavailable</html>' },
            { status: 500, body: { computeFault: { code: 500, message: 'Unexpected API Error.' } }, kind: 'server_error', retryAfterS: null, message: 'Unexpected API Error.' },
            { status: 502, body: '', kind: 'server_error', retryAfterS: null, message: 'Nova answered 502 to POST /servers' }
        ];

        for (const c of cases) {
            it(`${c.status}${c.headers ? ` with Retry-After ${c.headers['Retry-After']}` : ''} → ${c.kind}, retryAfterS ${c.retryAfterS}`, async () => {
                expectProjectAuth('tenant-1', 'tok-1');
                nova().post('/v2.1/servers').reply(c.status, c.body as nock.Body, c.headers);
                const err = await failure(compute().createServer(SCOPE, {}));
                expect(err.kind).to.equal(c.kind);
                expect(err.status).to.equal(c.status);
                expect(err.retryAfterS).to.equal(c.retryAfterS);
                expect(err.message).to.equal(c.message);
            });
        }

        it('authenticates again once on a 401 and retries with the new token', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const reauth = expectProjectAuth('tenant-1', 'tok-2');
            nova('tok-1').get('/v2.1/servers/s1').reply(401, { error: { code: 401, message: 'The request you have made requires authentication.' } });
            const retried = nova('tok-2').get('/v2.1/servers/s1').reply(200, { server: rawServer('s1') });
            expect((await compute().showServer(SCOPE, 's1'))?.id).to.equal('s1');
            expect(reauth.isDone() && retried.isDone()).to.be.true();
        });

        it('is unauthorized when the retry is refused too', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            expectProjectAuth('tenant-1', 'tok-2');
            nova('tok-1').delete('/v2.1/servers/s1').reply(401, { error: { code: 401, message: 'no' } });
            nova('tok-2').delete('/v2.1/servers/s1').reply(401, { error: { code: 401, message: 'still no' } });
            const err = await failure(compute().deleteServer(SCOPE, 's1'));
            expect(err.kind).to.equal('unauthorized');
            expect(err.message).to.equal('still no');
            expect(nock.pendingMocks()).to.equal([]);
        });

        it('is timeout when Nova does not answer within the deadline', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            nova().post('/v2.1/servers').delay(2_000).reply(202, { server: { id: 'late' } });
            const started = Date.now();
            const err = await failure(compute({ timeouts: { createMs: 100 } }).createServer(SCOPE, {}));
            expect(Date.now() - started).to.be.below(1_000);
            expect(err.kind).to.equal('timeout');
            expect(err.message).to.contain('within 100 ms');
        });

        it('is timeout when one page of a listing is late', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            nova().get('/v2.1/servers/detail').query(true).delay(2_000).reply(200, { servers: [] });
            const err = await failure(compute({ timeouts: { listPageMs: 100 } }).listServers(SCOPE));
            expect(err.kind).to.equal('timeout');
        });

        it('is network when Nova cannot be reached', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            nova().post('/v2.1/servers').replyWithError({ message: 'connect ECONNREFUSED 10.0.0.1:8774', code: 'ECONNREFUSED' });
            const err = await failure(compute().createServer(SCOPE, {}));
            expect(err.kind).to.equal('network');
            expect(err.message).to.contain('ECONNREFUSED');
        });

        it('is unauthorized when Keystone refuses the service account for the project, unavailable when Keystone is down', async () => {
            nock(KEYSTONE).post('/v3/auth/tokens').reply(401, { error: { code: 401, message: 'The request you have made requires authentication.' } });
            const refused = await failure(compute().listServers(SCOPE));
            expect(refused.kind).to.equal('unauthorized');
            expect(refused.status).to.equal(401);

            nock(KEYSTONE).post('/v3/auth/tokens').reply(503, 'down');
            const down = await failure(compute().listServers(SCOPE));
            expect(down.kind).to.equal('unavailable');
            expect(down.retryAfterS).to.be.null();
        });

        it('is unavailable when the catalog has no compute endpoint in the region', async () => {
            expectProjectAuth('tenant-1', 'tok-1');
            const err = await failure(compute().listServers({ projectId: 'tenant-1', region: 'RegionNine' }));
            expect(err.kind).to.equal('unavailable');
            expect(err.message).to.contain('RegionNine');
        });
    });

    describe('what the meter is told', () => {

        it('each call to Keystone and Nova: the path\'s template (no id, no query), status, project, group and OpenStack request id (none when nothing answered)', async () => {
            const records: CallRecord[] = [];
            const nova1 = compute({ observe: (r) => records.push(r) });
            const scope: ComputeScope = { projectId: 'tenant-1', region: null, groupId: GroupId('g-1') };
            nock(KEYSTONE).post('/v3/auth/tokens').reply(201, tokenBody({ catalog: CATALOG, projectId: 'tenant-1' }), { 'X-Subject-Token': 'tok-1', 'Content-Type': 'application/json', 'X-OpenStack-Request-Id': 'req-ks-1' });
            nova().get('/v2.1/servers/detail').query(true).reply(503, { computeFault: { code: 503, message: 'down' } }, { ...NOVA_HEADERS, 'X-Compute-Request-Id': 'req-nova-1' });
            expect((await failure(nova1.listServers(scope))).kind).to.equal('unavailable');
            nova().delete('/v2.1/servers/s-9').reply(404, { itemNotFound: { code: 404, message: 'gone' } }, { ...NOVA_HEADERS, 'X-OpenStack-Request-Id': 'req-nova-2', 'X-Compute-Request-Id': 'req-nova-other' });
            expect(await nova1.deleteServer({ projectId: 'tenant-1', region: null }, 's-9')).to.equal('gone');
            nova().post('/v2.1/servers').replyWithError({ message: 'connect ECONNREFUSED 10.0.0.1:8774', code: 'ECONNREFUSED' });
            await failure(nova1.createServer(scope, {}));

            expect(records.map(({ seconds, ...r }) => {
                expect(seconds).to.be.at.least(0);
                return r;
            })).to.equal([
                { service: 'identity', region: 'RegionOne', method: 'POST', route: '/auth/tokens', code: '201', projectId: 'tenant-1', groupId: null, requestId: 'req-ks-1' },
                { service: 'compute', region: 'RegionOne', method: 'GET', route: '/servers/detail', code: '503', projectId: 'tenant-1', groupId: 'g-1', requestId: 'req-nova-1' },
                { service: 'compute', region: 'RegionOne', method: 'DELETE', route: '/servers/{server_id}', code: '404', projectId: 'tenant-1', groupId: null, requestId: 'req-nova-2' },
                { service: 'compute', region: 'RegionOne', method: 'POST', route: '/servers', code: 'network', projectId: 'tenant-1', groupId: 'g-1', requestId: null }
            ]);
        });
    });
});
