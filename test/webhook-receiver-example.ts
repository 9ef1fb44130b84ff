// examples/webhook-receiver.mjs as a customer runs it: its own process on
// loopback, deliveries signed as the plugin signs them (contract §7).
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { request } from 'undici';
import { sign } from '../adapters/workflow-webhook/signature';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const secret = 'a-secret-of-the-customer-0123456789';

describe('examples/webhook-receiver.mjs', () => {
    let child: ChildProcess;
    let url = '';

    before(async () => {
        child = spawn(process.execPath, [join(__dirname, '..', 'examples', 'webhook-receiver.mjs')], {
            env: { PATH: process.env.PATH, WEBHOOK_SECRET: secret, PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'inherit']
        });
        const [first] = await once(child.stdout ?? child, 'data') as [Buffer];
        url = /listening on (http:\/\/\S+)/.exec(first.toString())?.[1] ?? '';
        expect(url, first.toString()).to.startWith('http://127.0.0.1:');
    });

    after(async () => {
        if (child.exitCode === null) {
            const exited = once(child, 'exit');
            child.kill('SIGTERM');
            await exited;
        }
    });

    // A launch delivery's body, sent as the bytes that were signed.
    const raw = JSON.stringify({
        event: 'launch', deliveryId: 'd-1', tenantId: 'demo', groupId: 'g-1',
        server: { id: 's-1', name: 'web-as0123abcd', addresses: {}, metadata: {} }, deadline: '2030-01-01T00:00:00Z', callbackUrl: 'http://127.0.0.1/cb'
    });
    const now = (): number => Math.floor(Date.now() / 1000);
    const deliver = async (signature: string, body = raw): Promise<{ status: number; text: string }> => {
        const res = await request(url, {
            method: 'POST', body,
            headers: { 'content-type': 'application/json', 'x-autoscale-delivery': 'd-1', 'x-autoscale-signature': signature }
        });
        return { status: res.statusCode, text: await res.body.text() };
    };

    it('answers continue to a delivery signed with the secret', async () => {
        const answer = await deliver(sign(secret, now(), raw));
        expect(answer.status).to.equal(200);
        expect(JSON.parse(answer.text)).to.equal({ result: 'continue' });
    });

    it('refuses a bad signature: another secret, another body, none at all', async () => {
        expect((await deliver(sign('another-secret-of-16-chars-or-more', now(), raw))).status).to.equal(401);
        expect((await deliver(sign(secret, now(), raw), raw.replace('s-1', 's-2'))).status).to.equal(401);
        expect((await deliver('')).status).to.equal(401);
        expect((await deliver(`t=${now()},v1=zz`)).status).to.equal(401);
    });

    it('refuses a signature more than 5 minutes old, though its MAC is right', async () => {
        expect((await deliver(sign(secret, now() - 301, raw))).status).to.equal(401);
        expect((await deliver(sign(secret, now() - 240, raw))).status).to.equal(200);
    });
});
