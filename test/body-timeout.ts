// A client that sends its headers and then stalls its body is answered 408 in
// the contract's error shape within the plugin's bodyTimeoutMs, and its
// connection closed: on the anonymous capability URL and on an authenticated
// route alike. Over real sockets (server.inject cannot stall).
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import Hapi from '@hapi/hapi';
import * as Net from 'node:net';
import { performance } from 'node:perf_hooks';
import { plugin } from '../plugin';
import { settingsOf } from '../plugin/options';
import { testKnex } from './support/database';
import { tableValidator } from './support/identity';
import { caller, freshTenant, testServer, validGroup } from './support/server';
import { activityOf, capabilityPath, hookedGroup, type Hooked } from './capability-support';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const TIMEOUT_MS = 300;
// However loaded the machine, an answer later than this is not "within the timeout".
const SLACK_MS = 1500;

interface Exchange {
    readonly status: number;
    readonly headers: Record<string, string>;
    readonly body: unknown;
    readonly elapsedMs: number;        // from the last byte sent to the connection's close
    readonly closed: boolean;          // by the server, before the test gave up
}

// Sends `head` (request line and headers) and the body's first part; sends
// `rest` after `pauseMs` if given, else never. Resolves when the server closes
// the connection, or after `giveUpMs` (closed: false).
const exchange = (port: number, head: string, first: string, options: { rest?: string; pauseMs?: number; giveUpMs?: number } = {}): Promise<Exchange> =>
    new Promise((resolve, reject) => {
        let raw = '';
        let sentAt = 0;
        const socket = Net.connect(port, '127.0.0.1', () => {
            socket.write(`${head}\r\n\r\n${first}`, () => {
                sentAt = performance.now();
            });
            if (options.rest !== undefined) {
                setTimeout(() => socket.write(options.rest ?? ''), options.pauseMs ?? 0);
            }
        });
        const finish = (closed: boolean): void => {
            clearTimeout(giveUp);
            const [top = '', body = ''] = raw.split('\r\n\r\n');
            const [statusLine = '', ...lines] = top.split('\r\n');
            const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
            let parsed: unknown = body;
            try {
                parsed = JSON.parse(body);
            }
            catch {
                // Not JSON: kept as text.
            }

            resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: parsed, elapsedMs: performance.now() - sentAt, closed });
        };
        const giveUp = setTimeout(() => {
            socket.destroy();
            finish(false);
        }, options.giveUpMs ?? TIMEOUT_MS + SLACK_MS + 2000);
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => {
            raw += chunk;
        });
        socket.on('close', () => finish(true));
        socket.on('error', reject);
    });

const expectTimedOut = (answer: Exchange): void => {
    expect(answer.closed, 'the connection was closed').to.be.true();
    expect(answer.status).to.equal(408);
    expect(answer.body).to.equal({
        error: { code: 408, type: 'RequestTimeoutError', message: `The request body did not arrive within ${TIMEOUT_MS} ms`, details: {} }
    });
    expect(answer.headers.connection).to.equal('close');
    // It waited for the body (not refused at once), and no longer than the timeout allows.
    expect(answer.elapsedMs).to.be.within(TIMEOUT_MS - 50, TIMEOUT_MS + SLACK_MS);
};

describe('a stalled request body', () => {
    let server: Hapi.Server;
    let port: number;
    let g: Hooked;
    const tenant = freshTenant();

    before(async () => {
        server = await testServer({ validator: tableValidator({ tok: { projectId: tenant } }), supervisor: { debounceMs: 0 }, bodyTimeoutMs: TIMEOUT_MS });
        g = await hookedGroup(caller(server, 'tok'), tenant);
        await server.start();
        port = Number(server.info.port);
    });

    after(() => server.stop({ timeout: 100 }));

    it('on the capability URL: 408, the connection closed, nothing run, real capability or not', async () => {
        for (const path of [g.path, capabilityPath('0'.repeat(64))]) {
            const answer = await exchange(port, `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200`, '{"version": "4", ');
            expectTimedOut(answer);
        }

        // Sent in chunks, and stalled between two of them.
        expectTimedOut(await exchange(port, `POST ${g.path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked`, '2\r\n{}\r\n'));
        expect(await activityOf(caller(server, 'tok'), g)).to.equal([]);
    });

    it('on an authenticated route: 408, the connection closed, nothing created', async () => {
        const body = JSON.stringify(validGroup('stalled'));
        const answer = await exchange(port, `POST /autoscale/v1.0/${tenant}/groups HTTP/1.1\r\nHost: x\r\nX-Auth-Token: tok\r\nContent-Type: application/json\r\nContent-Length: ${body.length}`,
            body.slice(0, 20));
        expectTimedOut(answer);
        const knex = await testKnex();
        const [counted] = await knex('groups').where({ tenant_id: tenant, name: 'stalled' }).count({ n: '*' });
        expect(Number(counted?.n)).to.equal(0);
    });

    it('counts the body of a client that leaves mid-way as unreadable, as before', async () => {
        const api = caller(server, 'tok');
        const left = await hookedGroup(api, tenant);
        const socket = Net.connect(port, '127.0.0.1');
        await new Promise<void>((resolve) => socket.write(`POST ${left.path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a": `, () => resolve()));
        socket.destroy();
        const started = performance.now();
        while ((await activityOf(api, left)).length === 0 && performance.now() - started < TIMEOUT_MS + SLACK_MS) {
            await new Promise((resolve) => setTimeout(resolve, 20));
        }

        expect((await activityOf(api, left)).map((r) => r.reason)).to.equal(['rejected_body']);
    });

    it('reads a body that pauses but arrives within the timeout as usual', async () => {
        const body = JSON.stringify(validGroup('paused'));
        const created = await exchange(port, `POST /autoscale/v1.0/${tenant}/groups HTTP/1.1\r\nHost: x\r\nX-Auth-Token: tok\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${body.length}`,
            body.slice(0, 20), { rest: body.slice(20), pauseMs: TIMEOUT_MS / 3 });
        expect(created.status).to.equal(201);
        const triggered = await exchange(port, `POST ${g.path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2`, '{', { rest: '}', pauseMs: TIMEOUT_MS / 3 });
        expect([triggered.status, triggered.body]).to.equal([202, '']);
        expect((await activityOf(caller(server, 'tok'), g)).map((r) => r.reason)).to.equal(['policy']);
    });
});

describe('a stalled body under a host that taps bodies', () => {

    it('is answered 408 on the capability URL, as without the tap', async () => {
        const server = await testServer({ validator: tableValidator({}), bodyTimeoutMs: TIMEOUT_MS });
        // A host watching bodies go by (request 'peek' events): hapi then hands the route a tap, not the request.
        const peeked: number[] = [];
        server.ext('onRequest', (request, h) => {
            request.events.on('peek', (chunk) => {
                peeked.push(chunk.length);
            });
            return h.continue;
        });
        await server.start();
        try {
            const path = capabilityPath('1'.repeat(64));
            expectTimedOut(await exchange(Number(server.info.port), `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 50`, '{"a": '));
            expect(peeked).to.equal([6]);
            const whole = await exchange(Number(server.info.port), `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2`, '{}');
            expect(whole.status).to.equal(202);
        }
        finally {
            await server.stop({ timeout: 100 });
        }
    });
});

describe('the body timeout option', () => {

    it('is 5 s unless given, at least 1 ms, and set on every route of the plugin that reads a body', async () => {
        expect(settingsOf({}).bodyTimeoutMs).to.equal(5000);
        expect(() => settingsOf({ bodyTimeoutMs: 0 })).to.throw(/bodyTimeoutMs/);
        const server = Hapi.server();
        await server.register({ plugin, options: { database: { knex: await testKnex() }, openstack: { tokenValidator: tableValidator({}) }, bodyTimeoutMs: 1234, schedules: { intervalMs: 0 } } },
            { routes: { prefix: '/autoscale' } });
        const routes = server.table();
        const reading = routes.filter((r) => r.method !== 'get');
        expect(reading.length).to.be.at.least(10);
        expect(reading.map((r) => [r.method, r.path, r.settings.payload?.timeout])).to.equal(reading.map((r) => [r.method, r.path, 1234]));
    });
});
