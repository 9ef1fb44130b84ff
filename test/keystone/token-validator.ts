import { createHash } from 'node:crypto';
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import nock from 'nock';
import { DomainError } from '../../core/model/errors';
import { KeystoneSession } from '../../adapters/keystone/session';
import { KeystoneTokenValidator } from '../../adapters/keystone/token-validator';
import type { CallRecord } from '../../adapters/http/meter';
import { account, expectAuth, KEYSTONE, ManualClock, startNock, stopNock, T0, tokenBody } from '../nova/fixtures';

const { describe, it, before, after, afterEach } = exports.lab = Lab.script();
const { expect } = Code;

const MINUTE = 60_000;
const CUSTOMER = 'gAAAAABcustomer-token_1';

const setup = (options: { maxEntries?: number; timeoutMs?: number } = {}): { clock: ManualClock; validator: KeystoneTokenValidator } => {
    const clock = new ManualClock();
    const session = new KeystoneSession(account(), { clock, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
    const validator = new KeystoneTokenValidator(session, { ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }) });
    return { clock, validator };
};

// GET /v3/auth/tokens?nocatalog as Keystone sees it: our service token, their subject token.
const expectValidate = (serviceToken: string, subject: string) =>
    nock(KEYSTONE, { reqheaders: { 'x-auth-token': serviceToken, 'x-subject-token': subject, accept: 'application/json' } })
        .get('/v3/auth/tokens')
        .query((q) => Object.keys(q).length === 1 && q.nocatalog === '');

const customerBody = (lifetimeMs: number, issuedAt = T0) =>
    tokenBody({ issuedAt, lifetimeMs, userId: 'u-alice', userName: 'alice', projectId: 'tenant-a-id', roles: ['reader', 'member'] });

const rejection = async (promise: Promise<unknown>): Promise<DomainError> => {
    const err = await expect(promise).to.reject();
    expect(err).to.be.an.instanceof(DomainError);
    return err as DomainError;
};

describe('KeystoneTokenValidator', () => {

    before(startNock);
    after(stopNock);
    afterEach(() => nock.cleanAll());

    it('asks Keystone with the service token and the subject token, without the catalog', async () => {
        const { validator } = setup();
        expectAuth('svc-1');
        const scope = expectValidate('svc-1', CUSTOMER).reply(200, customerBody(60 * MINUTE));
        const info = await validator.validate(CUSTOMER);
        expect(scope.isDone()).to.be.true();
        expect(info).to.equal({
            userId: 'u-alice',
            userName: 'alice',
            projectId: 'tenant-a-id',
            projectName: 'name-of-tenant-a-id',         // the fixture's project name, read off the answer
            roles: ['reader', 'member'],
            expiresAt: new Date(T0 + 60 * MINUTE)
        });
    });

    it('answers null on 404 and does not cache it', async () => {
        const { validator } = setup();
        expectAuth('svc-1');
        const twice = expectValidate('svc-1', CUSTOMER).times(2)
            .reply(404, { error: { code: 404, message: 'Could not recognize Fernet token', title: 'Not Found' } });
        expect(await validator.validate(CUSTOMER)).to.be.null();
        expect(await validator.validate(CUSTOMER)).to.be.null();
        expect(twice.isDone()).to.be.true();
        expect(validator.cache.size).to.equal(0);
    });

    it('answers an unscoped token with a null project', async () => {
        const { validator } = setup();
        expectAuth('svc-1');
        expectValidate('svc-1', CUSTOMER).reply(200, tokenBody({ projectId: null, userName: 'alice' }));
        const info = await validator.validate(CUSTOMER);
        expect(info?.projectId).to.be.null();
        expect(info?.roles).to.equal([]);
    });

    it('never sends what cannot be a token', async () => {
        const { validator } = setup();
        const trap = nock(KEYSTONE).post(/.*/).reply(201, tokenBody(), { 'X-Subject-Token': 'svc' }).get(/.*/).reply(200, customerBody(MINUTE));
        for (const junk of ['', 'has space', 'tab\there', 'caf\u00e9', 'x'.repeat(9000)]) {
            expect(await validator.validate(junk)).to.be.null();
        }

        expect(trap.pendingMocks()).to.have.length(2);  // neither auth nor validation was asked for
    });

    describe('service token', () => {

        it('authenticates again once on 401 and retries with the new service token', async () => {
            const { validator } = setup();
            expectAuth('svc-stale');
            expectValidate('svc-stale', CUSTOMER).reply(401, { error: { code: 401 } });
            expectAuth('svc-new');
            const retry = expectValidate('svc-new', CUSTOMER).reply(200, customerBody(60 * MINUTE));
            expect((await validator.validate(CUSTOMER))?.userName).to.equal('alice');
            expect(retry.isDone()).to.be.true();
        });

        it('is unavailable when the fresh service token is refused too', async () => {
            const { validator } = setup();
            expectAuth('svc-1');
            expectValidate('svc-1', CUSTOMER).reply(401, {});
            expectAuth('svc-2');
            expectValidate('svc-2', CUSTOMER).reply(401, {});
            const err = await rejection(validator.validate(CUSTOMER));
            expect(err.kind).to.equal('unavailable');
            expect(err.message).to.contain('even after authenticating again');
            expect(nock.pendingMocks()).to.equal([]);
        });

        it('is unavailable, saying which role is missing, on 403', async () => {
            const { validator } = setup();
            expectAuth('svc-1');
            expectValidate('svc-1', CUSTOMER)
                .reply(403, { error: { code: 403, message: 'You are not authorized to perform the requested action: identity:validate_token.' } });
            const err = await rejection(validator.validate(CUSTOMER));
            expect(err.kind).to.equal('unavailable');
            expect(err.type).to.equal('ServiceAccountForbidden');
            expect(err.message).to.contain('admin or service role');
            expect(err.message).to.contain('identity:validate_token');
        });

        it('is unavailable on a 5xx, a timeout, or an answer that is not a token', async () => {
            const { validator } = setup({ timeoutMs: 100 });
            expectAuth('svc-1');
            expectValidate('svc-1', CUSTOMER).reply(503, 'Service Unavailable');
            expect((await rejection(validator.validate(CUSTOMER))).message).to.contain('503');

            expectValidate('svc-1', CUSTOMER).delay(2_000).reply(200, customerBody(MINUTE));
            expect((await rejection(validator.validate(CUSTOMER))).message).to.contain('within 100 ms');

            expectValidate('svc-1', CUSTOMER).reply(200, { token: { user: { id: 'u' } } });
            expect((await rejection(validator.validate(CUSTOMER))).message).to.contain('expires_at');
            expect(validator.cache.size).to.equal(0);
        });
    });

    describe('cache', () => {

        it('keeps a token expiring in 30 s for those 30 s only', async () => {
            const { clock, validator } = setup();
            expectAuth('svc-1');
            expectValidate('svc-1', CUSTOMER).reply(200, customerBody(30_000));
            await validator.validate(CUSTOMER);

            clock.advance(29_999);
            expect((await validator.validate(CUSTOMER))?.userId).to.equal('u-alice');    // no request: none is expected

            const again = expectValidate('svc-1', CUSTOMER).reply(404, {});
            clock.advance(1);
            expect(await validator.validate(CUSTOMER)).to.be.null();
            expect(again.isDone()).to.be.true();
        });

        it('keeps a long-lived token for 5 minutes', async () => {
            const { clock, validator } = setup();
            expectAuth('svc-1');
            expectValidate('svc-1', CUSTOMER).reply(200, customerBody(60 * MINUTE));
            await validator.validate(CUSTOMER);

            clock.advance(5 * MINUTE - 1);
            expect(await validator.validate(CUSTOMER)).to.not.be.null();

            const again = expectValidate('svc-1', CUSTOMER).reply(200, customerBody(60 * MINUTE));
            clock.advance(1);
            expect(await validator.validate(CUSTOMER)).to.not.be.null();
            expect(again.isDone()).to.be.true();
        });

        it('is keyed by the SHA-256 of the token, never the token', async () => {
            const { validator } = setup();
            expectAuth('svc-1');
            expectValidate('svc-1', CUSTOMER).reply(200, customerBody(60 * MINUTE));
            await validator.validate(CUSTOMER);
            const sha = createHash('sha256').update(CUSTOMER).digest('hex');
            expect(validator.cache.keys()).to.equal([sha]);
            expect(JSON.stringify(validator.cache.keys())).to.not.contain(CUSTOMER);
        });

        it('drops the oldest entry when full', async () => {
            const { validator } = setup({ maxEntries: 2 });
            expectAuth('svc-1');
            for (const t of ['tok-a', 'tok-b', 'tok-c']) {
                expectValidate('svc-1', t).reply(200, customerBody(60 * MINUTE));
                await validator.validate(t);
            }

            expect(validator.cache.size).to.equal(2);
            expect(await validator.validate('tok-c')).to.not.be.null();              // cached
            const refetch = expectValidate('svc-1', 'tok-a').reply(200, customerBody(60 * MINUTE));
            expect(await validator.validate('tok-a')).to.not.be.null();
            expect(refetch.isDone()).to.be.true();
        });

        it('shares one request among concurrent validations of the same token', async () => {
            const { validator } = setup();
            expectAuth('svc-1');
            const once = expectValidate('svc-1', CUSTOMER).delay(50).reply(200, customerBody(60 * MINUTE));
            const other = expectValidate('svc-1', 'tok-other').delay(50).reply(404, {});
            const answers = await Promise.all([
                validator.validate(CUSTOMER), validator.validate(CUSTOMER), validator.validate('tok-other'), validator.validate(CUSTOMER)
            ]);
            expect(answers.map((a) => a?.userName ?? null)).to.equal(['alice', 'alice', null, 'alice']);
            expect(once.isDone()).to.be.true();
            expect(other.isDone()).to.be.true();
        });

        it('shares a failure too, and asks again afterwards', async () => {
            const { validator } = setup();
            expectAuth('svc-1');
            expectValidate('svc-1', CUSTOMER).delay(20).reply(500, 'boom');
            const results = await Promise.allSettled([validator.validate(CUSTOMER), validator.validate(CUSTOMER)]);
            expect(results.map((r) => r.status)).to.equal(['rejected', 'rejected']);

            expectValidate('svc-1', CUSTOMER).reply(200, customerBody(60 * MINUTE));
            expect(await validator.validate(CUSTOMER)).to.not.be.null();
        });
    });

    it('tells the meter of each call to Keystone, the account\'s authentication and each validation, by the path\'s template', async () => {
        const records: CallRecord[] = [];
        const session = new KeystoneSession(account(), { clock: new ManualClock(), observe: (r) => records.push(r) });
        const validator = new KeystoneTokenValidator(session);
        expectAuth('svc-1');
        expectValidate('svc-1', CUSTOMER).reply(404, { error: { code: 404, message: 'unknown' } }, { 'x-openstack-request-id': 'req-v-1' });
        expectValidate('svc-1', CUSTOMER).reply(503, 'down');
        expect(await validator.validate(CUSTOMER)).to.be.null();
        await rejection(validator.validate(CUSTOMER));
        expect(records.map((r) => [r.service, r.method, r.route, r.code, r.projectId, r.groupId, r.requestId])).to.equal([
            ['identity', 'POST', '/auth/tokens', '201', 'p-service', null, null],
            ['identity', 'GET', '/auth/tokens', '404', 'p-service', null, 'req-v-1'],
            ['identity', 'GET', '/auth/tokens', '503', 'p-service', null, null]
        ]);
    });
});
