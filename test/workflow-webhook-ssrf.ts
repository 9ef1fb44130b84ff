// Where a webhook may not go (contract §7 "Where it may go"), at the API and
// at delivery: a refused address is a 400 naming url when the PUT can tell,
// and a delivery refused at connect time ends its stage with workflow_refused
// (final: nothing reaches the receiver). Each is let through once inside
// allowCidrs. test/workflow-webhook/ssrf.ts covers the guard itself.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { withRig } from './support/converge';
import { field } from './support/server';
import { deliver, grownWithWebhook, inService, webhookOptions } from './support/webhook';
import { scriptedLookup, secret } from './workflow-webhook/fixtures';
import { reply, startReceiver, type Receiver } from './workflow-webhook/receiver';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

let receiver: Receiver;
before(async () => {
    receiver = await startReceiver(reply(200, '{"result":"continue"}'));
});

after(async () => {
    await receiver.close();
});

interface Case {
    readonly url: (port: number) => string;
    readonly allow: string;
}

const atPut: readonly Case[] = [
    { url: (p) => `http://127.0.0.1:${p}/hook`, allow: '127.0.0.1/32' },
    { url: (p) => `http://[::1]:${p}/hook`, allow: '::1/128' },
    { url: () => 'http://169.254.169.254/latest/meta-data/', allow: '169.254.169.254/32' },
    { url: () => 'http://10.0.0.1/hook', allow: '10.0.0.0/8' },
    { url: (p) => `http://localhost:${p}/hook`, allow: '127.0.0.0/8' },
    { url: (p) => `http://0.0.0.0:${p}/hook`, allow: '0.0.0.0/32' }
];

describe('workflows: where a webhook may go, at the API', () => {

    it('refuses each forbidden address with 400 naming url, writing nothing, and takes it inside allowCidrs', async () => {
        const lookup = scriptedLookup({ localhost: [['127.0.0.1']] });
        await withRig(webhookOptions({ allowCidrs: [], lookup }), async (rig) => {
            const groupId = await rig.createGroup();
            const path = `/${rig.tenant}/groups/${groupId}/workflow`;
            for (const c of atPut) {
                const res = await rig.api('PUT', path, { type: 'webhook', url: c.url(receiver.port), secret });
                expect(res.statusCode, `${c.url(receiver.port)}: ${res.payload}`).to.equal(400);
                expect(field(res.result, 'error', 'details', 'field')).to.equal('url');
                expect(res.payload).to.not.contain(secret);
            }

            // A name that does not resolve is refused too; and the workflow is still the default.
            const unresolved = await rig.api('PUT', path, { type: 'webhook', url: 'https://nowhere.example/hook', secret });
            expect([unresolved.statusCode, field(unresolved.result, 'error', 'details', 'field')]).to.equal([400, 'url']);
            expect(field((await rig.api('GET', path)).result, 'workflow')).to.equal({ type: 'builtin' });
        });

        for (const c of atPut) {
            await withRig(webhookOptions({ allowCidrs: [c.allow], lookup }), async (rig) => {
                const groupId = await rig.createGroup();
                const res = await rig.api('PUT', `/${rig.tenant}/groups/${groupId}/workflow`, { type: 'webhook', url: c.url(receiver.port), secret });
                expect(res.statusCode, `${c.url(receiver.port)} inside ${c.allow}: ${res.payload}`).to.equal(200);
            });
        }
    });

    it('refuses http unless the operator allows it', async () => {
        await withRig(webhookOptions({ allowHttp: false }), async (rig) => {
            const groupId = await rig.createGroup();
            const res = await rig.api('PUT', `/${rig.tenant}/groups/${groupId}/workflow`, { type: 'webhook', url: receiver.url(), secret });
            expect([res.statusCode, field(res.result, 'error', 'details', 'field')]).to.equal([400, 'url']);
            expect(field(res.result, 'error', 'message')).to.contain('https');
        });
    });
});

describe('workflows: where a webhook may go, at delivery', () => {

    it('refuses a name that resolves to loopback only at connect time: workflow_refused, final, nothing received', async () => {
        const lookup = scriptedLookup({ 'hooks.example.com': [['93.184.216.34'], ['127.0.0.1']] });
        await withRig(webhookOptions({ allowCidrs: [], lookup }), async (rig) => {
            const before = receiver.seen.length;
            const groupId = await grownWithWebhook(rig, `http://hooks.example.com:${receiver.port}/hook`, 1, { events: ['launch'] });
            await deliver(rig);
            expect(receiver.seen.length).to.equal(before);
            const rows = await rig.activity(groupId);
            expect(rows.filter((r) => r.kind === 'workflow_launch').map((r) => [r.outcome, r.reason])).to.equal([['failed', 'workflow_refused']]);
            expect(rows.find((r) => r.kind === 'workflow_launch')?.message).to.contain('loopback');
            rig.clock.advance(5000);
            await deliver(rig);
            expect(receiver.seen.length).to.equal(before);          // final: never sent again
        });
    });

    it('lets the same name through once its address is inside allowCidrs', async () => {
        const lookup = scriptedLookup({ 'hooks.example.com': [['93.184.216.34'], ['127.0.0.1']] });
        await withRig(webhookOptions({ allowCidrs: ['127.0.0.1/32'], lookup }), async (rig) => {
            const before = receiver.seen.length;
            const groupId = await grownWithWebhook(rig, `http://hooks.example.com:${receiver.port}/hook`, 1, { events: ['launch'] });
            await deliver(rig);
            expect(receiver.seen.length).to.equal(before + 1);
            expect(await inService(rig, groupId)).to.equal([1, 0]);
        });
    });

    it('never follows a redirect to loopback: the 3xx is final (the default applies, workflow_failed) and the target hears nothing', async () => {
        const target = await startReceiver(reply(200, '{"result":"continue"}'));
        const redirecting = await startReceiver(reply(302, '', { location: target.url() }));
        try {
            await withRig(webhookOptions(), async (rig) => {
                const groupId = await grownWithWebhook(rig, redirecting.url(), 1, { events: ['launch'] });
                await deliver(rig);
                expect([redirecting.seen.length, target.seen.length]).to.equal([1, 0]);
                const rows = await rig.activity(groupId);
                expect(rows.filter((r) => r.kind === 'workflow_launch').map((r) => [r.outcome, r.reason])).to.equal([['failed', 'workflow_failed']]);
            });
        }
        finally {
            await target.close();
            await redirecting.close();
        }
    });
});
