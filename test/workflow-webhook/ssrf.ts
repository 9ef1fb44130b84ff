// Where a webhook may not go (contract §7 "Where it may go"): each address is
// refused by the PUT-time check and again by a delivery, and each is let
// through once inside allowCidrs. Deliveries aim at a real receiver on
// loopback wherever the address can reach one, so "refused" means no request
// arrived, not merely that the answer said so.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type { Socket } from 'node:net';
import { buildConnector } from 'undici';
import { deliver, type DeliveryAnswer } from '../../adapters/workflow-webhook/deliver';
import { AddressRefused, checkedLookup, guardedConnector, remoteRefusal } from '../../adapters/workflow-webhook/guarded-connect';
import { type AddressPolicy, parseAddress } from '../../adapters/workflow-webhook/address-policy';
import { checkUrlShape, checkWebhookUrl, type Lookup } from '../../adapters/workflow-webhook/url-check';
import { policyOf, scriptedLookup, secret } from './fixtures';
import { attemptTo, type Receiver, reply, startReceiver } from './receiver';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const completes = reply(200, '{"result":"continue"}');
const httpOnly = policyOf(true);

let v4: Receiver;
let v6: Receiver;
before(async () => {
    v4 = await startReceiver(completes, '127.0.0.1');
    v6 = await startReceiver(completes, '::1');
});

after(async () => {
    await v4.close();
    await v6.close();
});

const requests = (): number => v4.seen.length + v6.seen.length;

const refused = (answer: DeliveryAnswer): string => {
    expect(answer.kind, JSON.stringify(answer)).to.equal('refused');
    const { reason } = answer as { reason: string };
    expect(reason).to.not.contain(secret);
    return reason;
};

interface Case {
    readonly name: string;
    readonly url: (port: number) => string;
    readonly why: string;                  // what the refusal says
    readonly allow: readonly string[];     // the allowCidrs that let it through
    readonly reachable: boolean;           // a receiver of ours answers there
    readonly lookup?: Record<string, readonly (readonly string[])[]>;
}

const cases: readonly Case[] = [
    { name: '127.0.0.1', url: (p) => `http://127.0.0.1:${p}/hook`, why: 'loopback', allow: ['127.0.0.1/32'], reachable: true },
    { name: '[::1]', url: (p) => `http://[::1]:${p}/hook`, why: 'loopback', allow: ['::1/128'], reachable: true },
    { name: 'IPv4-mapped loopback [::ffff:127.0.0.1]', url: (p) => `http://[::ffff:127.0.0.1]:${p}/hook`, why: 'loopback', allow: ['127.0.0.1/32'], reachable: true },
    { name: '0.0.0.0 (reaches this host on Linux)', url: (p) => `http://0.0.0.0:${p}/hook`, why: 'unspecified', allow: ['0.0.0.0/32', '127.0.0.1/32'], reachable: true },
    { name: 'localhost', url: (p) => `http://localhost:${p}/hook`, why: 'loopback', allow: ['127.0.0.0/8', '::1/128'], reachable: true, lookup: { localhost: [['127.0.0.1']] } },
    { name: 'a name resolving to loopback', url: (p) => `http://hooks.example.com:${p}/hook`, why: 'loopback', allow: ['127.0.0.1/32'], reachable: true, lookup: { 'hooks.example.com': [['127.0.0.1']] } },
    { name: '169.254.169.254', url: () => 'http://169.254.169.254/latest/meta-data/', why: 'link-local', allow: ['169.254.169.254/32'], reachable: false },
    { name: '10.0.0.1', url: () => 'http://10.0.0.1/hook', why: 'private', allow: ['10.0.0.0/8'], reachable: false },
    { name: '172.16.5.4', url: () => 'http://172.16.5.4/hook', why: 'private', allow: ['172.16.0.0/12'], reachable: false },
    { name: '192.168.1.1', url: () => 'http://192.168.1.1/hook', why: 'private', allow: ['192.168.1.0/24'], reachable: false },
    { name: '100.64.1.2', url: () => 'http://100.64.1.2/hook', why: 'private', allow: ['100.64.0.0/10'], reachable: false },
    { name: '[fc00::1]', url: () => 'http://[fc00::1]/hook', why: 'private', allow: ['fc00::/7'], reachable: false },
    { name: 'a name resolving to the metadata service', url: () => 'http://metadata.example.com/latest', why: 'link-local', allow: ['169.254.0.0/16'], reachable: false, lookup: { 'metadata.example.com': [['169.254.169.254']] } }
];

// Whether a connection to the URL's host would be dialled: a literal goes to
// the dialler (which here only records it), a name through the checked lookup.
const passesGuard = async (url: string, policy: AddressPolicy, lookup: Lookup): Promise<boolean> => {
    if (!checkUrlShape(url, policy).ok) {
        return false;
    }

    const { hostname } = new URL(url);
    const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    if (parseAddress(host) === null) {
        const answer = await new Promise<unknown[]>((resolve) => {
            checkedLookup(policy, lookup)(host, { all: true }, (...args) => resolve(args));
        });
        return answer[0] === null;
    }

    const dialled: string[] = [];
    const recording: buildConnector.connector = (options, callback) => {
        dialled.push(options.hostname);
        callback(new Error('not dialled in a test'), null);
    };
    await new Promise<void>((resolve) => {
        guardedConnector(policy, lookup, 1_000, recording)({ hostname: host, protocol: 'http:', port: '80' }, () => resolve());
    });
    return dialled.length === 1 && dialled[0] === host;
};

describe('refused at PUT and at delivery, allowed inside allowCidrs', () => {
    for (const c of cases) {
        it(c.name, async () => {
            const port = c.url(0).includes('[') && !c.url(0).includes('ffff') ? v6.port : v4.port;
            const url = c.url(port);
            const lookup = scriptedLookup(c.lookup ?? {});

            // PUT time.
            const check = await checkWebhookUrl(url, httpOnly, lookup);
            expect(check.ok, url).to.be.false();
            expect((check as { reason: string }).reason).to.contain(c.why);

            // Delivery: refused, and nothing reached a receiver.
            const before = requests();
            const reason = refused(await deliver(attemptTo(url), { policy: httpOnly, lookup, timeoutMs: 2_000 }));
            expect(reason).to.contain(c.why);
            expect(requests()).to.equal(before);

            // Inside allowCidrs: the check passes and the delivery is not refused.
            const allowed = policyOf(true, ...c.allow);
            expect((await checkWebhookUrl(url, allowed, lookup)).ok, url).to.be.true();
            if (c.reachable) {
                expect(await deliver(attemptTo(url), { policy: allowed, lookup })).to.equal({ kind: 'completed', result: 'continue' });
                expect(requests()).to.equal(before + 1);
            }
            else {
                // Nothing of ours listens there, and a test sends nothing to
                // a real metadata service or private network: the proof is
                // that the guard hands the address on to be dialled.
                expect(await passesGuard(url, allowed, lookup)).to.be.true();
                expect(await passesGuard(url, httpOnly, lookup)).to.be.false();
            }
        });
    }

    it('http is refused unless allowed, even to an allowed address', async () => {
        const url = v4.url();
        const lookup = scriptedLookup({});
        const strict = policyOf(false, '127.0.0.1/32');
        expect(await checkWebhookUrl(url, strict, lookup)).to.equal({ ok: false, kind: 'refused', reason: 'must use https: http is not allowed here' });
        const before = requests();
        expect(await deliver(attemptTo(url), { policy: strict })).to.equal({ kind: 'refused', reason: 'url must use https: http is not allowed here' });
        expect(requests()).to.equal(before);
        expect(await deliver(attemptTo(url), { policy: policyOf(true, '127.0.0.1/32') })).to.equal({ kind: 'completed', result: 'continue' });
    });

    it('a scheme other than http(s) is refused at delivery', async () => {
        expect(await deliver(attemptTo('ftp://127.0.0.1/'), { policy: httpOnly })).to.equal({ kind: 'refused', reason: 'url must use https' });
    });
});

describe('DNS rebinding', () => {
    it('a name public at the check and loopback at connect is refused at connect; no request arrives', async () => {
        const lookup = scriptedLookup({ 'rebind.example.com': [['93.184.216.34'], ['127.0.0.1']] });
        const url = `http://rebind.example.com:${v4.port}/hook`;

        expect((await checkWebhookUrl(url, httpOnly, lookup)).ok).to.be.true();
        const before = requests();
        const answer = await deliver(attemptTo(url), { policy: httpOnly, lookup, timeoutMs: 2_000 });
        expect(refused(answer)).to.equal('host rebind.example.com resolves to 127.0.0.1, a loopback address');
        expect(lookup.calls).to.equal(['rebind.example.com', 'rebind.example.com']);
        expect(requests()).to.equal(before);
        expect(v4.sockets.length).to.equal(v4.seen.length);     // not even a connection
    });

    it('the connection goes where the checked lookup said: with loopback allowed, the same resolver reaches the receiver', async () => {
        const lookup = scriptedLookup({ 'rebind.example.com': [['93.184.216.34'], ['127.0.0.1']] });
        const url = `http://rebind.example.com:${v4.port}/hook`;
        expect((await checkWebhookUrl(url, httpOnly, lookup)).ok).to.be.true();
        const before = requests();
        expect(await deliver(attemptTo(url), { policy: policyOf(true, '127.0.0.1/32'), lookup })).to.equal({ kind: 'completed', result: 'continue' });
        expect(requests()).to.equal(before + 1);
        expect(v4.seen[v4.seen.length - 1].headers.host).to.equal(`rebind.example.com:${v4.port}`);
    });

    it('one forbidden address among several refuses the connection, whichever would be tried first', async () => {
        const lookup = scriptedLookup({ 'mixed.example.com': [['127.0.0.1', '93.184.216.34']] });
        const before = requests();
        const answer = await deliver(attemptTo(`http://mixed.example.com:${v4.port}/hook`), { policy: httpOnly, lookup });
        expect(refused(answer)).to.contain('127.0.0.1, a loopback address');
        expect(requests()).to.equal(before);
    });

    it('a redirect to loopback is not followed', async () => {
        const redirector = await startReceiver(reply(302, '', { location: v4.url('/hook') }));
        try {
            const before = requests();
            const answer = await deliver(attemptTo(redirector.url('/start')), { policy: policyOf(true, '127.0.0.1/32') });
            expect(answer).to.equal({ kind: 'final', status: 302 });
            expect(redirector.seen.map((s) => s.url)).to.equal(['/start']);
            expect(requests()).to.equal(before);
        }
        finally {
            await redirector.close();
        }
    });
});

describe('the connect-time guard on its own', () => {
    const connect = (connector: buildConnector.connector, hostname: string, port: number): Promise<Socket> =>
        new Promise((resolve, reject) => {
            connector({ hostname, host: `${hostname}:${port}`, protocol: 'http:', port: String(port) }, (err, socket) => {
                if (err !== null) {
                    reject(err);
                    return;
                }

                resolve(socket);
            });
        });

    it('checks the address actually connected to, even if the dialler went elsewhere', async () => {
        // A dialler that ignores the name and lands on loopback, as a hosts
        // file or a resolver the lookup never saw might.
        const stray = buildConnector({});
        const misdialling: buildConnector.connector = (options, callback) => stray({ ...options, hostname: '127.0.0.1' }, callback);
        const connector = guardedConnector(httpOnly, scriptedLookup({}), 1_000, misdialling);

        const connectionsBefore = v4.sockets.length;
        const requestsBefore = requests();
        const err = await connect(connector, 'hooks.example.com', v4.port).then(() => null, (e: unknown) => e);
        expect(err).to.be.an.instanceof(AddressRefused);
        expect((err as AddressRefused).reason).to.equal('connected to 127.0.0.1, a loopback address');
        expect((err as AddressRefused).code).to.equal('E_AUTOSCALE_ADDRESS_REFUSED');
        // It did connect (that is what is being checked), and sent nothing.
        expect(v4.sockets.length).to.equal(connectionsBefore + 1);
        expect(await v4.allClosed(1_000)).to.be.true();
        expect(requests()).to.equal(requestsBefore);
    });

    it('0.0.0.0 allowed on its own still lands on loopback, and that is refused', async () => {
        // Linux takes a connect to 0.0.0.0 as one to this host: the peer is 127.0.0.1.
        const before = requests();
        const answer = await deliver(attemptTo(`http://0.0.0.0:${v4.port}/hook`), { policy: policyOf(true, '0.0.0.0/32') });
        expect(refused(answer)).to.equal('connected to 127.0.0.1, a loopback address');
        expect(requests()).to.equal(before);
    });

    it('refuses a literal address before dialling it', async () => {
        let dialled = 0;
        const counting: buildConnector.connector = (_options, callback) => {
            dialled += 1;
            callback(new Error('not dialled in a test'), null);
        };
        const connector = guardedConnector(httpOnly, scriptedLookup({}), 1_000, counting);
        for (const host of ['127.0.0.1', '::1', '169.254.169.254', '::ffff:10.0.0.1']) {
            const err = await connect(connector, host, 80).then(() => null, (e: unknown) => e);
            expect(err, host).to.be.an.instanceof(AddressRefused);
        }

        expect(dialled).to.equal(0);
        await connect(connector, '93.184.216.34', 80).catch(() => null);
        expect(dialled).to.equal(1);
    });

    it('passes a connection to an allowed address through', async () => {
        const connector = guardedConnector(policyOf(true, '127.0.0.1/32'), scriptedLookup({}), 1_000);
        const socket = await connect(connector, '127.0.0.1', v4.port);
        expect(socket.remoteAddress).to.equal('127.0.0.1');
        socket.destroy();
    });

    it('passes a connect error on as it is', async () => {
        const connector = guardedConnector(httpOnly, scriptedLookup({}), 1_000);
        const err = await connect(connector, 'nowhere.example.com', 80).then(() => null, (e: unknown) => e);
        expect((err as { code: string }).code).to.equal('ENOTFOUND');
    });

    it('refuses a peer address it cannot read', () => {
        expect(remoteRefusal(undefined, httpOnly)).to.equal('connected to an address that cannot be checked (none)');
        expect(remoteRefusal('', httpOnly)).to.equal('connected to an address that cannot be checked ()');
        expect(remoteRefusal('93.184.216.34', httpOnly)).to.be.null();
    });

    it('the checked lookup answers in the form net asks for, and only with checked addresses', async () => {
        const lookup = checkedLookup(httpOnly, scriptedLookup({ 'dual.example.com': [['93.184.216.34', '2606:2800:220:1::1']] }));
        const ask = (options: Parameters<typeof lookup>[1]): Promise<unknown[]> => new Promise((resolve) => {
            lookup('dual.example.com', options, (...args) => resolve(args));
        });

        expect(await ask({ all: true })).to.equal([null, [{ address: '93.184.216.34', family: 4 }, { address: '2606:2800:220:1::1', family: 6 }]]);
        expect(await ask({})).to.equal([null, '93.184.216.34', 4]);
        expect(await ask({ family: 6 })).to.equal([null, '2606:2800:220:1::1', 6]);
        expect(await ask({ family: 4 })).to.equal([null, '93.184.216.34', 4]);
        expect(await ask({ family: 'IPv4', all: true })).to.equal([null, [{ address: '93.184.216.34', family: 4 }]]);
        expect(await ask({ family: 'IPv6' })).to.equal([null, '2606:2800:220:1::1', 6]);

        const v4only = checkedLookup(httpOnly, scriptedLookup({ 'v4.example.com': [['93.184.216.34']] }));
        const err = await new Promise<unknown>((resolve) => {
            v4only('v4.example.com', { family: 6 }, (e) => resolve(e));
        });
        expect((err as { code: string }).code).to.equal('ENOTFOUND');
    });
});
