// The customer's signed webhook, end to end (contract §7): the plugin on the
// simulator over real HTTP, a receiver on loopback that checks signatures
// with the secret, the loops run by hand on the rig's clock.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { withRig } from './support/converge';
import { callBack, deliver, grownWithWebhook, inService, novaDeletes, opened, webhookOptions } from './support/webhook';
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
                expect(round).to.equal({ held: false, written: 1, expired: 0, sent: 1 });
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
                expect(await deliver(rig)).to.equal({ held: false, written: 0, expired: 0, sent: 0 });
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
                expect((await deliver(rig)).sent).to.equal(0);          // acknowledged: nothing sent again
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
