// The customer's signed webhook, end to end (contract §7): the plugin on the
// simulator over real HTTP, a receiver on loopback that checks signatures
// with the secret, the loops run by hand on the rig's clock.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { withRig } from './support/converge';
import { byEvent, callBack, deliver, grownWithWebhook, inService, novaDeletes, opened, result, webhookOptions } from './support/webhook';
import { reply, startReceiver, type Handler } from './workflow-webhook/receiver';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const completes = (result: string): Handler => reply(200, JSON.stringify({ result }));

describe('workflows: the customer\'s webhook', () => {

    it('keeps a server pending until the webhook answers continue, signed, with the server in the body', async () => {
        const receiver = await startReceiver(completes('continue'));
        try {
            await withRig(webhookOptions(), async (rig) => {
                const groupId = await grownWithWebhook(rig, receiver.url(), 1);
                expect(await inService(rig, groupId)).to.equal([0, 1]);
                const round = await deliver(rig);
                expect(round.written).to.be.at.least(1);
                expect(receiver.seen).to.have.length(1);
                const sent = opened(rig, receiver.seen[0]!);
                const [server] = rig.ours(groupId);
                expect(sent).to.include({ event: 'launch', tenantId: rig.tenant, groupId });
                expect(sent.server.id).to.equal(server?.id);
                expect(sent.server.name).to.equal(server?.name);
                expect(sent.server.metadata['autoscale:group_id']).to.equal(groupId);
                expect(sent.deadline).to.equal(new Date(rig.clock.now().getTime() + 60_000).toISOString());
                expect(sent.callbackUrl).to.match(/^https:\/\/autoscale\.example\/autoscale\/v1\.0\/workflow\/1\/[0-9a-f]{64}$/);
                expect(await inService(rig, groupId)).to.equal([1, 0]);
                const rows = await rig.activity(groupId);
                expect(rows.filter((r) => r.kind === 'workflow_launch').map((r) => r.reason)).to.equal(['in_service']);
                // Nothing more is sent, and the callback of a finished delivery is 409.
                await deliver(rig);
                expect(receiver.seen).to.have.length(1);
                expect((await callBack(rig, sent.callbackUrl, { result: 'continue' })).statusCode).to.equal(409);
            });
        }
        finally {
            await receiver.close();
        }
    });

    it('takes an acknowledgement, then completes from the callback: 204, then 409', async () => {
        const receiver = await startReceiver(reply(202, 'ok'));
        try {
            await withRig(webhookOptions(), async (rig) => {
                const groupId = await grownWithWebhook(rig, receiver.url(), 1);
                await deliver(rig);
                const sent = opened(rig, receiver.seen[0]!);
                expect(await inService(rig, groupId)).to.equal([0, 1]);
                rig.clock.advance(5000);
                await deliver(rig);
                expect(receiver.seen).to.have.length(1);                // acknowledged: nothing sent again
                expect((await callBack(rig, sent.callbackUrl, { result: 'continue' })).statusCode).to.equal(204);
                expect(await inService(rig, groupId)).to.equal([1, 0]);
                expect((await callBack(rig, sent.callbackUrl, { result: 'continue' })).statusCode).to.equal(409);
                expect((await callBack(rig, sent.callbackUrl.replace(/.{4}$/, '0000'), { result: 'continue' })).statusCode).to.equal(404);
            });
        }
        finally {
            await receiver.close();
        }
    });
});

describe('workflows: a callback names one delivery', () => {

    it('completes only its own server: another group\'s pending server stays pending, and a bad body is 400 naming result', async () => {
        const receiver = await startReceiver(reply(202));
        try {
            await withRig(webhookOptions(), async (rig) => {
                const one = await grownWithWebhook(rig, receiver.url(), 1, { events: ['launch'] });
                const other = await grownWithWebhook(rig, receiver.url(), 1, { events: ['launch'] });
                await deliver(rig);
                const sent = receiver.seen.map((s) => opened(rig, s));
                const mine = sent.find((b) => b.groupId === one)!;
                const bad = await callBack(rig, mine.callbackUrl, { result: 'maybe' });
                expect(bad.statusCode).to.equal(400);
                expect(JSON.parse(bad.payload)).to.include({ error: { code: 400, type: 'ValidationError', message: '"result" must be one of [continue, abandon, heartbeat]', details: { field: 'result' } } });
                expect((await callBack(rig, mine.callbackUrl, { result: 'continue' })).statusCode).to.equal(204);
                expect(await inService(rig, one)).to.equal([1, 0]);
                expect(await inService(rig, other)).to.equal([0, 1]);
                // An undecodable token is as unknown as any other.
                expect((await rig.server.inject({ method: 'POST', url: '/autoscale/v1.0/workflow/1/%ZZ', payload: { result: 'continue' } })).statusCode).to.equal(404);
                expect((await rig.server.inject({ method: 'POST', url: `/autoscale/v1.0/workflow/1/${'x'.repeat(300)}`, payload: { result: 'continue' } })).statusCode).to.equal(404);
                // The other ends too: the database is shared, and no delivery is left for later tests' rounds.
                expect((await callBack(rig, sent.find((b) => b.groupId === other)!.callbackUrl, { result: 'continue' })).statusCode).to.equal(204);
            });
        }
        finally {
            await receiver.close();
        }
    });
});

describe('workflows: the webhook\'s outcomes', () => {

    it('takes abandon for a failed build: the server leaves through terminate, is deleted and replaced, with backoff', async () => {
        const receiver = await startReceiver(byEvent({ launch: result('abandon'), terminate: result('continue') }));
        try {
            await withRig(webhookOptions({}, { converger: { recheckMs: 0, orphanGraceS: 60, backoffBaseMs: 30_000, backoffCapMs: 60_000, stormGuard: false } }), async (rig) => {
                const groupId = await grownWithWebhook(rig, receiver.url(), 1);
                const [first] = rig.ours(groupId);
                await deliver(rig);
                await rig.converge(groupId);
                // It leaves through its terminate first: no delete until that completes.
                expect(novaDeletes(rig)).to.equal([]);
                await deliver(rig);
                expect(receiver.seen.map((s) => opened(rig, s)).map((b) => [b.event, b.server.id])).to.equal([['launch', first?.id], ['terminate', first?.id]]);
                await rig.converge(groupId);
                expect(novaDeletes(rig)).to.equal([first?.id]);
                let rows = await rig.activity(groupId);
                expect(rows.filter((r) => r.kind === 'workflow_launch').map((r) => [r.outcome, r.reason])).to.equal([['failed', 'workflow_abandoned']]);
                expect(rows.filter((r) => r.kind === 'delete').map((r) => r.reason)).to.equal(['workflow_abandoned']);
                // A failed build: the replacement waits out the group's backoff.
                expect(rows.filter((r) => r.reason === 'backoff').map((r) => r.message).join()).to.contain('1 failed build in a row: no create for 30 s');
                expect(rows.filter((r) => r.kind === 'create').map((r) => r.reason)).to.equal(['scale_up']);
                rig.clock.advance(29_000);
                await rig.converge(groupId);
                expect(rig.ours(groupId).filter((s) => s.id !== first?.id)).to.equal([]);
                rig.clock.advance(1000);
                await rig.converge(groupId);
                rows = await rig.activity(groupId);
                // The failed server was deleted before: its replacement counts as growth.
                expect(rows.filter((r) => r.kind === 'create').map((r) => r.reason)).to.equal(['scale_up', 'scale_up']);
                expect(rig.ours(groupId).filter((s) => s.id !== first?.id)).to.have.length(1);
            });
        }
        finally {
            await receiver.close();
        }
    });

    it('applies defaultResult at the deadline when no result comes (workflow_timeout), and continue when that is the default', async () => {
        const receiver = await startReceiver(reply(202));
        try {
            await withRig(webhookOptions(), async (rig) => {
                const abandoning = await grownWithWebhook(rig, receiver.url(), 1, { events: ['launch'] });
                const continuing = await grownWithWebhook(rig, receiver.url(), 1, { events: ['launch'], defaultResult: 'continue' });
                // The database is shared: other tests' deliveries may be in a round too, so only these groups are counted.
                await deliver(rig);
                expect(receiver.seen.map((s) => opened(rig, s).groupId).sort()).to.equal([abandoning, continuing].sort());
                rig.clock.advance(59_000);
                await deliver(rig);
                expect([await inService(rig, abandoning), await inService(rig, continuing)]).to.equal([[0, 1], [0, 1]]);
                rig.clock.advance(1000);
                await deliver(rig);
                expect(await inService(rig, continuing)).to.equal([1, 0]);
                const rows = await rig.activity(abandoning);
                expect(rows.filter((r) => r.kind === 'workflow_launch').map((r) => [r.outcome, r.reason])).to.equal([['failed', 'workflow_timeout']]);
                await rig.converge(abandoning);
                expect((await rig.activity(abandoning)).filter((r) => r.kind === 'delete').map((r) => r.reason)).to.equal(['workflow_timeout']);
            });
        }
        finally {
            await receiver.close();
        }
    });

    it('retries a 500 with backoff, the same delivery id and body each time, until a 200 completes it', async () => {
        let answered = 0;
        const receiver = await startReceiver((_req, res) => {
            answered++;
            res.writeHead(answered <= 3 ? 500 : 200);
            res.end(answered <= 3 ? 'busy' : '{"result":"continue"}');
        });
        try {
            await withRig(webhookOptions(), async (rig) => {
                const groupId = await grownWithWebhook(rig, receiver.url(), 1, { events: ['launch'] });
                await deliver(rig);
                for (const waitMs of [1000, 2000, 4000]) {
                    const before = receiver.seen.length;
                    rig.clock.advance(waitMs - 1);
                    await deliver(rig);
                    expect(receiver.seen.length).to.equal(before);      // not before its backoff
                    rig.clock.advance(1);
                    await deliver(rig);
                    expect(receiver.seen.length).to.equal(before + 1);
                }

                expect(receiver.seen).to.have.length(4);
                const ids = receiver.seen.map((s) => s.headers['x-autoscale-delivery']);
                expect(new Set(ids).size).to.equal(1);
                expect(new Set(receiver.seen.map((s) => s.body.toString())).size).to.equal(1);
                receiver.seen.forEach((s) => opened(rig, s));
                expect(await inService(rig, groupId)).to.equal([1, 0]);
            });
        }
        finally {
            await receiver.close();
        }
    });

    it('moves the deadline on a heartbeat, never past 10 x timeoutS from the first delivery', async () => {
        const receiver = await startReceiver(reply(200, 'working on it'));
        try {
            await withRig(webhookOptions(), async (rig) => {
                const groupId = await grownWithWebhook(rig, receiver.url(), 1, { events: ['launch'] });
                await deliver(rig);
                const sent = opened(rig, receiver.seen[0]!);
                rig.clock.advance(50_000);
                expect((await callBack(rig, sent.callbackUrl, { result: 'heartbeat' })).statusCode).to.equal(204);
                rig.clock.advance(20_000);           // past the first deadline (60 s), within the new one (110 s)
                await deliver(rig);
                expect(await inService(rig, groupId)).to.equal([0, 1]);
                // Heartbeats every 40 s reach the ceiling, 600 s after the first delivery, and the default applies there.
                const first = rig.clock.now().getTime() - 70_000;
                for (let i = 0; i < 17; i++) {
                    rig.clock.advance(30_000);
                    expect((await callBack(rig, sent.callbackUrl, { result: 'heartbeat' })).statusCode).to.equal(204);
                    await deliver(rig);
                }

                expect((await rig.activity(groupId)).filter((r) => r.kind === 'workflow_launch')).to.equal([]);

                expect(rig.clock.now().getTime() - first).to.equal(580_000);
                rig.clock.advance(20_000);
                await deliver(rig);
                const rows = await rig.activity(groupId);
                expect(rows.filter((r) => r.kind === 'workflow_launch').map((r) => r.reason)).to.equal(['workflow_timeout']);
                expect((await callBack(rig, sent.callbackUrl, { result: 'heartbeat' })).statusCode).to.equal(409);
            });
        }
        finally {
            await receiver.close();
        }
    });

    it('sends terminate before the delete: Nova hears no delete until the webhook completes it', async () => {
        const receiver = await startReceiver(byEvent({ launch: result('continue'), terminate: { status: 202 } }));
        try {
            await withRig(webhookOptions(), async (rig) => {
                const groupId = await grownWithWebhook(rig, receiver.url(), 1);
                await deliver(rig);
                expect(await inService(rig, groupId)).to.equal([1, 0]);
                await rig.scaleTo(groupId, 0);
                await rig.converge(groupId);
                await deliver(rig);
                await rig.converge(groupId);
                expect(novaDeletes(rig)).to.equal([]);
                const terminate = opened(rig, receiver.seen[1]!);
                expect(terminate.event).to.equal('terminate');
                rig.clock.advance(10_000);
                await deliver(rig);
                await rig.converge(groupId);
                expect(novaDeletes(rig)).to.equal([]);
                expect((await callBack(rig, terminate.callbackUrl, { result: 'continue' })).statusCode).to.equal(204);
                await rig.converge(groupId);
                expect(novaDeletes(rig)).to.equal([terminate.server.id]);
            });
        }
        finally {
            await receiver.close();
        }
    });

    it('holds deliveries under a kill-switch all, not under a pause', async () => {
        const receiver = await startReceiver(completes('continue'));
        try {
            await withRig(webhookOptions(), async (rig) => {
                const groupId = await grownWithWebhook(rig, receiver.url(), 1, { events: ['launch'] });
                const set = await rig.admin('PUT', '/autoscale/admin/kill-switches/global', { mode: 'all', reason: 'incident' });
                expect(set.statusCode, set.payload).to.be.below(300);
                try {
                    rig.clock.advance(2000);
                    expect(await deliver(rig)).to.equal({ held: true, written: 0, expired: 0, sent: 0 });   // the switch holds every delivery
                    expect(receiver.seen).to.have.length(0);
                }
                finally {
                    await rig.admin('DELETE', '/autoscale/admin/kill-switches/global');
                }

                expect((await rig.api('POST', `/${rig.tenant}/groups/${groupId}/pause`)).statusCode).to.equal(204);
                rig.clock.advance(2000);
                await deliver(rig);
                expect(receiver.seen).to.have.length(1);
                expect(await inService(rig, groupId)).to.equal([1, 0]);
            });
        }
        finally {
            await receiver.close();
        }
    });
});
