// One delivery attempt against a real receiver on loopback: what is sent, and
// what each kind of answer (or silence) comes to.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { type DeliveryAnswer, deliver, type DeliveryOptions } from '../../adapters/workflow-webhook/deliver';
import { answerOf, answerOfFailure } from '../../adapters/workflow-webhook/answer';
import { AddressRefused } from '../../adapters/workflow-webhook/guarded-connect';
import { DeadlinePassed } from '../../adapters/http/exchange';
import { verify } from '../../adapters/workflow-webhook/signature';
import { loopbackPolicy, policyOf, scriptedLookup, secret } from './fixtures';
import { attemptTo, type Handler, type Receiver, reply, startReceiver } from './receiver';

const { describe, it, afterEach } = exports.lab = Lab.script();
const { expect } = Code;

const options: DeliveryOptions = { policy: loopbackPolicy, timeoutMs: 2_000 };

let receiver: Receiver | null = null;
afterEach(async () => {
    await receiver?.close();
    receiver = null;
});

// Every answer in this file goes through here: none may carry the secret.
const send = async (handler: Handler, more: Partial<DeliveryOptions> = {}): Promise<DeliveryAnswer> => {
    receiver = await startReceiver(handler);
    const answer = await deliver(attemptTo(receiver.url()), { ...options, ...more });
    expect(JSON.stringify(answer)).to.not.contain(secret);
    return answer;
};

describe('deliver: what is sent', () => {
    it('one POST, the exact body, signed over the raw bytes, with the delivery id', async () => {
        const now = new Date('2030-01-01T00:00:10.900Z');
        receiver = await startReceiver(reply(200, '{"result":"continue"}'));
        const attempt = attemptTo(receiver.url('/hooks/autoscale?team=web'), { now, deliveryId: 'dlv-42' });
        const answer = await deliver(attempt, options);
        expect(answer).to.equal({ kind: 'completed', result: 'continue' });

        expect(receiver.seen).to.have.length(1);
        const [seen] = receiver.seen;
        expect(seen.method).to.equal('POST');
        expect(seen.url).to.equal('/hooks/autoscale?team=web');
        expect(seen.body.toString('utf8')).to.equal(attempt.body);
        expect(seen.headers['content-type']).to.equal('application/json');
        expect(seen.headers['user-agent']).to.equal('nova-autoscale');
        expect(seen.headers['x-autoscale-delivery']).to.equal('dlv-42');
        const signature = seen.headers['x-autoscale-signature'] as string;
        expect(signature).to.startWith('t=1893456010,v1=');
        expect(verify(signature, secret, seen.body, 1893456010)).to.be.true();
        expect(verify(signature, 'another-secret', seen.body, 1893456010)).to.be.false();
        expect(JSON.stringify(seen.headers)).to.not.contain(secret);
    });

    it('the body is sent byte for byte, non-ASCII included', async () => {
        receiver = await startReceiver(reply(204));
        const body = JSON.stringify({ event: 'launch', server: { name: 'wéb-ü-☃' } });
        const answer = await deliver(attemptTo(receiver.url(), { body }), options);
        expect(answer).to.equal({ kind: 'acknowledged', status: 204 });
        expect(receiver.seen[0].body.equals(Buffer.from(body, 'utf8'))).to.be.true();
        expect(receiver.seen[0].headers['content-length']).to.equal(String(Buffer.byteLength(body)));
        expect(verify(receiver.seen[0].headers['x-autoscale-signature'] as string, secret, receiver.seen[0].body, Math.floor(Date.now() / 1000))).to.be.true();
    });
});

describe('deliver: answers', () => {
    it('2xx {"result":"continue"} completes', async () => {
        expect(await send(reply(200, '{"result":"continue"}', { 'content-type': 'application/json' }))).to.equal({ kind: 'completed', result: 'continue' });
    });

    it('2xx {"result":"abandon"} completes with abandon, whatever the content type', async () => {
        expect(await send(reply(201, '{"result":"abandon"}', { 'content-type': 'text/plain' }))).to.equal({ kind: 'completed', result: 'abandon' });
    });

    it('any other 2xx acknowledges: text, {}, another result, an empty 202', async () => {
        expect(await send(reply(200, 'ok'))).to.equal({ kind: 'acknowledged', status: 200 });
        await receiver?.close();
        expect(await send(reply(200, '{}'))).to.equal({ kind: 'acknowledged', status: 200 });
        await receiver?.close();
        expect(await send(reply(200, '{"result":"heartbeat"}'))).to.equal({ kind: 'acknowledged', status: 200 });
        await receiver?.close();
        expect(await send(reply(200, '["continue"]'))).to.equal({ kind: 'acknowledged', status: 200 });
        await receiver?.close();
        expect(await send(reply(202))).to.equal({ kind: 'acknowledged', status: 202 });
    });

    for (const status of [500, 502, 503, 408, 429]) {
        it(`${status} is retried`, async () => {
            expect(await send(reply(status, 'busy'))).to.equal({ kind: 'retry', reason: `answered ${status}`, status });
        });
    }

    it('Retry-After in seconds is passed on', async () => {
        expect(await send(reply(503, '', { 'retry-after': '7' }))).to.equal({ kind: 'retry', reason: 'answered 503', status: 503, retryAfterS: 7 });
    });

    it('Retry-After as an HTTP date counts from the attempt\'s now', async () => {
        receiver = await startReceiver(reply(429, '', { 'retry-after': 'Tue, 01 Jan 2030 00:01:30 GMT' }));
        const answer = await deliver(attemptTo(receiver.url(), { now: new Date('2030-01-01T00:00:00Z') }), options);
        expect(answer).to.equal({ kind: 'retry', reason: 'answered 429', status: 429, retryAfterS: 90 });
    });

    it('of two Retry-After headers the first counts', async () => {
        const answer = await send((_req, res) => {
            res.setHeader('retry-after', ['5', '9']);
            res.writeHead(503);
            res.end();
        });
        expect(answer).to.equal({ kind: 'retry', reason: 'answered 503', status: 503, retryAfterS: 5 });
    });

    it('a Retry-After that is neither is ignored', async () => {
        expect(await send(reply(503, '', { 'retry-after': 'soon' }))).to.equal({ kind: 'retry', reason: 'answered 503', status: 503 });
    });

    for (const status of [400, 401, 403, 404, 410, 422]) {
        it(`${status} is final`, async () => {
            expect(await send(reply(status, '{"result":"continue"}'))).to.equal({ kind: 'final', status });
        });
    }

    it('a 3xx is final and not followed, even to the same receiver', async () => {
        receiver = await startReceiver((req, res) => {
            if (req.url === '/hook') {
                res.writeHead(302, { location: `http://127.0.0.1:${receiver?.port}/elsewhere` });
                res.end();
                return;
            }

            res.writeHead(200);
            res.end('{"result":"continue"}');
        });
        const answer = await deliver(attemptTo(receiver.url('/hook')), options);
        expect(answer).to.equal({ kind: 'final', status: 302 });
        expect(receiver.seen.map((s) => s.url)).to.equal(['/hook']);
    });

    it('a 307 is final too', async () => {
        expect(await send(reply(307, '', { location: 'http://169.254.169.254/latest/meta-data' }))).to.equal({ kind: 'final', status: 307 });
        expect(receiver?.seen).to.have.length(1);
    });
});

describe('deliver: limits', () => {
    it('a receiver that never answers is retried once the deadline passes', async () => {
        const started = Date.now();
        const answer = await send(() => undefined, { timeoutMs: 300 });
        const took = Date.now() - started;
        expect(answer).to.equal({ kind: 'retry', reason: 'timeout: no answer within 300 ms' });
        expect(took).to.be.within(290, 1_500);
        expect(await (receiver as Receiver).allClosed(1_000)).to.be.true();
    });

    it('the deadline covers the body: headers then silence is retried', async () => {
        const answer = await send((_req, res) => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.write('{"result":');
        }, { timeoutMs: 300 });
        expect(answer).to.equal({ kind: 'retry', reason: 'timeout: no answer within 300 ms' });
        expect(await (receiver as Receiver).allClosed(1_000)).to.be.true();
    });

    it('a 1 MiB answer is read only to the cap, acknowledged without a result, and its socket let go', async () => {
        let pumping = true;
        const answer = await send((_req, res) => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.write('{"result":"continue"');
            // 1 MiB, then the response stays open: only our side closing frees it.
            res.write(Buffer.alloc(1024 * 1024, 0x20));
            res.on('close', () => {
                pumping = false;
            });
        }, { timeoutMs: 5_000 });
        expect(answer).to.equal({ kind: 'acknowledged', status: 200, bodyTooLong: true });
        expect(await (receiver as Receiver).allClosed(1_000)).to.be.true();
        expect(pumping).to.be.false();
    });

    it('an answer exactly at the cap is read; one byte more is not', async () => {
        const atCap = (extra: number): string => {
            const core = '{"result":"continue"}';
            return core + ' '.repeat(64 * 1024 - core.length + extra);
        };
        expect(await send(reply(200, atCap(0)))).to.equal({ kind: 'completed', result: 'continue' });
        await receiver?.close();
        expect(await send(reply(200, atCap(1)))).to.equal({ kind: 'acknowledged', status: 200, bodyTooLong: true });
        await receiver?.close();
        expect(await send(reply(200, '{"result":"abandon"}'), { maxAnswerBytes: 19 })).to.equal({ kind: 'acknowledged', status: 200, bodyTooLong: true });
    });

    it('an error answer\'s body is not read at all', async () => {
        const answer = await send((_req, res) => {
            res.writeHead(500);
            res.write('x'.repeat(1024));      // and never ends
        });
        expect(answer).to.equal({ kind: 'retry', reason: 'answered 500', status: 500 });
        expect(await (receiver as Receiver).allClosed(1_000)).to.be.true();
    });

    it('connection refused is retried', async () => {
        // A port that was just free and is closed again.
        const server = createServer();
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const { port } = server.address() as AddressInfo;
        await new Promise<void>((resolve) => server.close(() => resolve()));

        const answer = await deliver(attemptTo(`http://127.0.0.1:${port}/hook`), options);
        expect(answer.kind).to.equal('retry');
        expect((answer as { reason: string }).reason).to.startWith('network error: ECONNREFUSED: ');
        expect(answer).to.not.include('status');
        expect(JSON.stringify(answer)).to.not.contain(secret);
    });

    it('a name that does not resolve is retried (DNS may come back)', async () => {
        const answer = await deliver(attemptTo('http://hooks.example.com/hook'), { ...options, policy: policyOf(true), lookup: scriptedLookup({}) });
        expect(answer.kind).to.equal('retry');
        expect((answer as { reason: string }).reason).to.contain('ENOTFOUND');
    });

    it('a name that resolves to nothing usable is retried', async () => {
        const answer = await deliver(attemptTo('http://hooks.example.com/hook'), { ...options, policy: policyOf(true), lookup: scriptedLookup({ 'hooks.example.com': [[]] }) });
        expect(answer.kind).to.equal('retry');
        expect((answer as { reason: string }).reason).to.contain('does not resolve');
    });
});

describe('deliver: the secret', () => {
    it('never appears in a reason, even when an error echoes a URL that holds it', async () => {
        const lookup = Object.assign(async (hostname: string) => {
            throw Object.assign(new Error(`resolver refused ${hostname}`), { code: 'EREFUSED' });
        }, {});
        const url = `http://${secret.replace(/_/g, '-')}.example.com/`;
        const sneaky = attemptTo(url, { secret: secret.replace(/_/g, '-') });
        const answer = await deliver(sneaky, { ...options, policy: policyOf(true), lookup });
        expect(answer.kind).to.equal('retry');
        expect((answer as { reason: string }).reason).to.equal('network error: EREFUSED: resolver refused [secret].example.com');
    });

    it('an empty secret leaves a reason as it is (nothing to hide)', async () => {
        const answer = await deliver(attemptTo('http://nowhere.example.com/', { secret: '' }), { ...options, policy: policyOf(true), lookup: scriptedLookup({}) });
        expect(answer).to.equal({ kind: 'retry', reason: 'network error: ENOTFOUND: getaddrinfo ENOTFOUND nowhere.example.com' });
    });

    it('a URL with credentials is refused without echoing them', async () => {
        const answer = await deliver(attemptTo(`https://hook:${secret}@hooks.example.com/`), options);
        expect(answer).to.equal({ kind: 'refused', reason: 'url must not carry a user name or password' });
    });
});

describe('answerOf', () => {
    it('an over-long 2xx is an acknowledgement that says so; over-long elsewhere changes nothing', () => {
        expect(answerOf({ status: 200, retryAfter: undefined, body: null, bodyTooLong: true }, 0)).to.equal({ kind: 'acknowledged', status: 200, bodyTooLong: true });
        expect(answerOf({ status: 404, retryAfter: '5', body: null, bodyTooLong: false }, 0)).to.equal({ kind: 'final', status: 404 });
        expect(answerOf({ status: 101, retryAfter: undefined, body: null, bodyTooLong: false }, 0)).to.equal({ kind: 'final', status: 101 });
    });

    it('an error that ended the attempt: refused, timed out, or a network error', () => {
        const wrapped = new Error('connect failed', { cause: new AddressRefused('host x resolves to 10.0.0.1, a private address') });
        expect(answerOfFailure(wrapped)).to.equal({ kind: 'refused', reason: 'host x resolves to 10.0.0.1, a private address' });
        expect(answerOfFailure(new DeadlinePassed(250))).to.equal({ kind: 'retry', reason: 'timeout: no answer within 250 ms' });
        const connectTimeout = Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' });
        expect(answerOfFailure(connectTimeout)).to.equal({ kind: 'retry', reason: 'timeout: Connect Timeout Error' });
        const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
        expect(answerOfFailure(reset)).to.equal({ kind: 'retry', reason: 'network error: UND_ERR_SOCKET: other side closed' });
        expect(answerOfFailure(new Error('odd'))).to.equal({ kind: 'retry', reason: 'network error: odd' });
        expect(answerOfFailure('a string thrown')).to.equal({ kind: 'retry', reason: 'network error: a string thrown' });
    });
});
