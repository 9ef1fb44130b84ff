import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import nock from 'nock';
import { DomainError } from '../../core/model/errors';
import type { ApplicationCredentialAccount } from '../../adapters/keystone/service-account';
import { KeystoneSession } from '../../adapters/keystone/session';
import { account, CATALOG, expectAuth, KEYSTONE, ManualClock, startNock, stopNock, T0, tokenBody } from '../nova/fixtures';

const { describe, it, before, after, afterEach } = exports.lab = Lab.script();
const { expect } = Code;

const MINUTE = 60_000;

const rejection = async (promise: Promise<unknown>): Promise<DomainError> => {
    const err = await expect(promise).to.reject();
    expect(err).to.be.an.instanceof(DomainError);
    return err as DomainError;
};

describe('KeystoneSession', () => {

    before(startNock);
    after(stopNock);
    afterEach(() => nock.cleanAll());

    describe('password auth body', () => {

        it('scopes by project id, user by name and domain name', async () => {
            const scope = expectAuth('tok-1');
            const token = await new KeystoneSession(account()).token();
            expect(scope.isDone()).to.be.true();
            expect(token.value).to.equal('tok-1');
            expect(token.projectId).to.equal('p-service');
            expect(token.roles).to.equal(['admin', 'member']);
            expect(token.expiresAt).to.equal(new Date(T0 + 3_600_000));
            expect(token.catalog.map((s) => s.type)).to.equal(['identity', 'compute']);
        });

        it('scopes by project name and domain (name or id) when there is no project id', async () => {
            const byName = expectAuth('tok-n', {}, {
                auth: {
                    identity: { methods: ['password'], password: { user: { name: 'autoscale', domain: { name: 'Default' }, password: 's3cret' } } },
                    scope: { project: { name: 'services', domain: { name: 'Ops' } } }
                }
            });
            await new KeystoneSession(account({ projectId: undefined, projectName: 'services', projectDomainName: 'Ops' })).token();
            expect(byName.isDone()).to.be.true();

            const byDomainId = expectAuth('tok-d', {}, {
                auth: {
                    identity: { methods: ['password'], password: { user: { name: 'autoscale', domain: { id: 'dom-1' }, password: 's3cret' } } },
                    scope: { project: { name: 'services', domain: { id: 'dom-2' } } }
                }
            });
            await new KeystoneSession(account({ projectId: undefined, projectName: 'services', projectDomainId: 'dom-2', userDomainName: undefined, userDomainId: 'dom-1' })).token();
            expect(byDomainId.isDone()).to.be.true();
        });

        it('sends no scope at all without a project (Keystone uses the default project), and a user id without a domain', async () => {
            const scope = expectAuth('tok-u', { projectId: null }, {
                auth: { identity: { methods: ['password'], password: { user: { id: 'u-42', password: 's3cret' } } } }
            });
            const token = await new KeystoneSession(account({ projectId: undefined, username: undefined, userId: 'u-42' })).token();
            expect(scope.isDone()).to.be.true();
            expect(token.projectId).to.be.null();
        });
    });

    describe('renewal', () => {

        it('reuses a fresh token, then authenticates again 10 % of a long lifetime before expiry', async () => {
            const clock = new ManualClock();
            const session = new KeystoneSession(account(), { clock });
            expectAuth('tok-1', { lifetimeMs: 60 * MINUTE });
            expect((await session.token()).value).to.equal('tok-1');

            clock.advance(54 * MINUTE - 1_000);            // margin is 6 min of the hour
            expect((await session.token()).value).to.equal('tok-1');   // no second interceptor: a request would fail

            const renewal = expectAuth('tok-2', { issuedAt: T0 + 54 * MINUTE, lifetimeMs: 60 * MINUTE });
            clock.advance(2_000);
            expect((await session.token()).value).to.equal('tok-2');
            expect(renewal.isDone()).to.be.true();
        });

        it('keeps at least 60 s of margin on a short lifetime', async () => {
            const clock = new ManualClock();
            const session = new KeystoneSession(account(), { clock });
            expectAuth('tok-1', { lifetimeMs: 5 * MINUTE });
            await session.token();

            clock.advance(4 * MINUTE - 1_000);
            expect((await session.token()).value).to.equal('tok-1');

            expectAuth('tok-2', { lifetimeMs: 5 * MINUTE });
            clock.advance(2_000);
            expect((await session.token()).value).to.equal('tok-2');
        });

        it('measures the lifetime with Keystone\'s own stamps, whatever the local clock says', async () => {
            const clock = new ManualClock(T0 + 24 * 60 * MINUTE);   // a day ahead of Keystone
            const session = new KeystoneSession(account(), { clock });
            expectAuth('tok-1', { lifetimeMs: 60 * MINUTE });
            await session.token();
            clock.advance(30 * MINUTE);
            expect((await session.token()).value).to.equal('tok-1');
        });

        it('shares one auth request among concurrent callers', async () => {
            const scope = nock(KEYSTONE).post('/v3/auth/tokens').delay(50)
                .reply(201, tokenBody({ catalog: CATALOG }), { 'X-Subject-Token': 'tok-shared' });
            const session = new KeystoneSession(account());
            const tokens = await Promise.all([session.token(), session.token(), session.token(), session.token()]);
            expect(tokens.map((t) => t.value)).to.equal(['tok-shared', 'tok-shared', 'tok-shared', 'tok-shared']);
            expect(scope.isDone()).to.be.true();
            expect(nock.pendingMocks()).to.equal([]);
        });

        it('keeps using the held token when an early renewal fails, and fails once it is nearly expired', async () => {
            const clock = new ManualClock();
            const session = new KeystoneSession(account(), { clock });
            expectAuth('tok-1', { lifetimeMs: 60 * MINUTE });
            await session.token();

            nock(KEYSTONE).post('/v3/auth/tokens').reply(503, 'down');
            clock.advance(58 * MINUTE);
            expect((await session.token()).value).to.equal('tok-1');

            nock(KEYSTONE).post('/v3/auth/tokens').reply(503, 'down');
            clock.advance(2 * MINUTE - 1_000);
            const err = await rejection(session.token());
            expect(err.kind).to.equal('unavailable');
        });
    });

    describe('withToken', () => {

        it('authenticates again once when the call answers 401 and retries with the new token', async () => {
            const session = new KeystoneSession(account());
            expectAuth('tok-1');
            const second = expectAuth('tok-2');
            const seen: string[] = [];
            const answer = await session.withToken(async (token) => {
                seen.push(token);
                return { statusCode: token === 'tok-1' ? 401 : 200 };
            });
            expect(answer.statusCode).to.equal(200);
            expect(seen).to.equal(['tok-1', 'tok-2']);
            expect(second.isDone()).to.be.true();
        });

        it('gives up after the second 401 and hands it back', async () => {
            const session = new KeystoneSession(account());
            expectAuth('tok-1');
            expectAuth('tok-2');
            const seen: string[] = [];
            const answer = await session.withToken(async (token) => {
                seen.push(token);
                return { statusCode: 401 };
            });
            expect(answer.statusCode).to.equal(401);
            expect(seen).to.equal(['tok-1', 'tok-2']);
            expect(nock.pendingMocks()).to.equal([]);
        });

        it('does not authenticate again for other answers', async () => {
            const session = new KeystoneSession(account());
            expectAuth('tok-1');
            let calls = 0;
            const answer = await session.withToken(async () => {
                calls++;
                return { statusCode: 403 };
            });
            expect(answer.statusCode).to.equal(403);
            expect(calls).to.equal(1);
        });

        it('drops an unread 401 body before retrying', async () => {
            const session = new KeystoneSession(account());
            expectAuth('tok-1');
            expectAuth('tok-2');
            let dumped = 0;
            await session.withToken(async (token) => ({
                statusCode: token === 'tok-1' ? 401 : 200,
                body: { dump: async () => { dumped++; } }
            }));
            expect(dumped).to.equal(1);
        });
    });

    describe('application credential auth body', () => {

        const credential = (over: Partial<ApplicationCredentialAccount> = {}): ApplicationCredentialAccount =>
            ({ kind: 'application_credential', authUrl: `${KEYSTONE}/v3`, applicationCredentialId: 'ac-1', secret: 'ac-secret', interface: 'public', ...over });

        it('sends the id and the secret and never a scope, and takes the credential\'s project from the answer', async () => {
            const scope = expectAuth('tok-ac', { projectId: 'p-credential' }, {
                auth: { identity: { methods: ['application_credential'], application_credential: { id: 'ac-1', secret: 'ac-secret' } } }
            });
            const token = await new KeystoneSession(credential()).token();
            expect(scope.isDone()).to.be.true();
            expect(token.projectId).to.equal('p-credential');
        });

        it('sends a name with its user, by name and domain or by id', async () => {
            const byName = expectAuth('tok-n', {}, {
                auth: { identity: { methods: ['application_credential'], application_credential: { name: 'scaler', user: { name: 'svc', domain: { name: 'Ops' } }, secret: 'ac-secret' } } }
            });
            await new KeystoneSession(credential({ applicationCredentialId: undefined, applicationCredentialName: 'scaler', username: 'svc', userDomainName: 'Ops' })).token();
            expect(byName.isDone()).to.be.true();
            const byUserId = expectAuth('tok-u', {}, {
                auth: { identity: { methods: ['application_credential'], application_credential: { name: 'scaler', user: { id: 'u-9' }, secret: 'ac-secret' } } }
            });
            await new KeystoneSession(credential({ applicationCredentialId: undefined, applicationCredentialName: 'scaler', userId: 'u-9' })).token();
            expect(byUserId.isDone()).to.be.true();
        });

        it('says which credential was refused, and what to check, without its secret', async () => {
            nock(KEYSTONE).post('/v3/auth/tokens').times(2)
                .reply(401, { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } });
            const err = await rejection(new KeystoneSession(credential()).token());
            expect(err.type).to.equal('ServiceCredentialsRejected');
            expect(err.message).to.contain('(application credential ac-1; 401 on POST');
            expect(err.message).to.contain('check OS_APPLICATION_CREDENTIAL_ID (or _NAME and the user) and OS_APPLICATION_CREDENTIAL_SECRET');
            expect(err.message).to.not.contain('ac-secret');
            const byName = await rejection(new KeystoneSession(credential({ applicationCredentialId: undefined, applicationCredentialName: 'scaler', username: 'svc' })).token());
            expect(byName.message).to.contain('(application credential scaler of user svc; 401');
        });
    });

    describe('failures', () => {

        it('reports rejected service credentials clearly', async () => {
            nock(KEYSTONE).post('/v3/auth/tokens')
                .reply(401, { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } });
            const err = await rejection(new KeystoneSession(account()).token());
            expect(err.kind).to.equal('unavailable');
            expect(err.type).to.equal('ServiceCredentialsRejected');
            expect(err.message).to.contain('rejected the service account\'s credentials');
            expect(err.message).to.contain('user autoscale');
            expect(err.message).to.not.contain('s3cret');
        });

        it('is unavailable on a 5xx', async () => {
            nock(KEYSTONE).post('/v3/auth/tokens').reply(502, { error: { code: 502, message: 'Bad Gateway' } });
            const err = await rejection(new KeystoneSession(account()).token());
            expect(err.kind).to.equal('unavailable');
            expect(err.type).to.equal('IdentityUnavailable');
            expect(err.message).to.contain('502');
            expect(err.message).to.contain('Bad Gateway');
        });

        it('is unavailable when Keystone does not answer in time', async () => {
            nock(KEYSTONE).post('/v3/auth/tokens').delay(2_000).reply(201, tokenBody(), { 'X-Subject-Token': 'late' });
            const started = Date.now();
            const err = await rejection(new KeystoneSession(account(), { timeoutMs: 100 }).token());
            expect(Date.now() - started).to.be.below(1_000);
            expect(err.type).to.equal('IdentityUnavailable');
            expect(err.message).to.contain('within 100 ms');
        });

        it('is unavailable when Keystone cannot be reached', async () => {
            nock(KEYSTONE).post('/v3/auth/tokens').replyWithError('connect ECONNREFUSED');
            const err = await rejection(new KeystoneSession(account()).token());
            expect(err.kind).to.equal('unavailable');
            expect(err.message).to.contain('ECONNREFUSED');
        });

        it('is unavailable when the answer has no X-Subject-Token or no expiry', async () => {
            nock(KEYSTONE).post('/v3/auth/tokens').reply(201, tokenBody());
            const noHeader = await rejection(new KeystoneSession(account()).token());
            expect(noHeader.message).to.contain('no X-Subject-Token');

            const body = tokenBody();
            delete body.token.expires_at;
            nock(KEYSTONE).post('/v3/auth/tokens').reply(201, body, { 'X-Subject-Token': 'tok' });
            const noExpiry = await rejection(new KeystoneSession(account()).token());
            expect(noExpiry.message).to.contain('expires_at');
        });

        it('authenticates again on the next call after a failure', async () => {
            const session = new KeystoneSession(account());
            nock(KEYSTONE).post('/v3/auth/tokens').reply(500, 'oops');
            await rejection(session.token());
            expectAuth('tok-after');
            expect((await session.token()).value).to.equal('tok-after');
        });
    });

    describe('endpoint', () => {

        it('picks from the catalog by type, the account\'s region and interface, without a trailing slash', async () => {
            expectAuth('tok-1');
            const session = new KeystoneSession(account());
            expect(await session.endpoint('compute')).to.equal('http://nova-one.test:8774/v2.1');
            expect(await session.endpoint('compute', { region: 'RegionTwo' })).to.equal('http://nova-two.test:8774/v2.1');
            expect(await session.endpoint('compute', { interface: 'internal' })).to.equal('http://nova-internal.test:8774/v2.1');
        });

        it('names what is missing when the catalog has no such endpoint', async () => {
            expectAuth('tok-1');
            const session = new KeystoneSession(account({ regionName: 'RegionNine' }));
            const err = await rejection(session.endpoint('compute'));
            expect(err.type).to.equal('EndpointNotFound');
            expect(err.message).to.contain('compute');
            expect(err.message).to.contain('RegionNine');
        });
    });
});
