// A customer webhook against the converger rig (test/support/converge.ts):
// the plugin lets deliveries reach a receiver on loopback, the loops are run
// by hand, and a group is grown to ACTIVE servers that join through the webhook.
import * as Code from '@hapi/code';
import { verify } from '../../adapters/workflow-webhook/signature';
import type { RoundReport } from '../../core/engine/webhook-deliveries';
import { secret } from '../workflow-webhook/fixtures';
import type { Seen } from '../workflow-webhook/receiver';
import { buildDelayMs, type Rig, type RigOptions } from './converge';
import { field } from './server';

const { expect } = Code;

export const webhookOptions = (extra: Record<string, unknown> = {}, plugin: RigOptions['plugin'] = {}): RigOptions => ({
    plugin: {
        webhooks: { allowHttp: true, allowCidrs: ['127.0.0.1/32'], intervalMs: 0, ...extra },
        workflowRunner: { intervalMs: 0 },
        publicUrl: 'https://autoscale.example',
        ...plugin
    }
});

// A receiver's answer by the event it was sent.
export const byEvent = (answers: Record<string, { status: number; body?: string }>) => (_req: unknown, res: { writeHead(s: number): void; end(b: string): void }, body: Buffer): void => {
    const event = String((JSON.parse(body.toString('utf8')) as { event?: unknown }).event);
    const answer = answers[event] ?? { status: 500 };
    res.writeHead(answer.status);
    res.end(answer.body ?? '');
};

export const result = (value: string): { status: number; body: string } => ({ status: 200, body: JSON.stringify({ result: value }) });

export interface Sent {
    readonly event: string;
    readonly deliveryId: string;
    readonly tenantId: string;
    readonly groupId: string;
    readonly server: { id: string; name: string | null; addresses: Record<string, unknown>; metadata: Record<string, string> };
    readonly deadline: string;
    readonly callbackUrl: string;
}

// What a request to the receiver carried, its signature checked with the secret at the rig's time.
export const opened = (rig: Rig, seen: Seen): Sent => {
    const header = String(seen.headers['x-autoscale-signature']);
    expect(verify(header, secret, seen.body, Math.floor(rig.clock.now().getTime() / 1000)), header).to.be.true();
    const body = JSON.parse(seen.body.toString('utf8')) as Sent;
    expect(seen.headers['x-autoscale-delivery']).to.equal(body.deliveryId);
    expect(Object.keys(body)).to.equal(['event', 'deliveryId', 'tenantId', 'groupId', 'server', 'deadline', 'callbackUrl']);
    return body;
};

export const putWebhook = async (rig: Rig, groupId: string, url: string, extra: Record<string, unknown> = {}): Promise<void> => {
    const res = await rig.api('PUT', `/${rig.tenant}/groups/${groupId}/workflow`, { type: 'webhook', url, secret, timeoutS: 60, ...extra });
    expect(res.statusCode, res.payload).to.equal(200);
    expect(field(res.result, 'workflow', 'hasSecret')).to.be.true();
    expect(res.payload).to.not.contain(secret);
};

// A group with the webhook, grown to `desired` servers ACTIVE in Nova and joining.
export const grownWithWebhook = async (rig: Rig, url: string, desired: number, extra: Record<string, unknown> = {}): Promise<string> => {
    const groupId = await rig.createGroup();
    await putWebhook(rig, groupId, url, extra);
    await rig.scaleTo(groupId, desired);
    await rig.converge(groupId);
    rig.clock.advance(buildDelayMs);
    await rig.converge(groupId);
    return groupId;
};

export const deliver = (rig: Rig): Promise<RoundReport> => rig.server.plugins['nova-autoscale'].engine.webhooks.runOnce();

// POST callbackUrl through the plugin (its path, on the rig's server).
export const callBack = async (rig: Rig, callbackUrl: string, payload: unknown): Promise<{ statusCode: number; payload: string }> => {
    const path = new URL(callbackUrl).pathname;
    const res = await rig.server.inject({ method: 'POST', url: path, payload: payload as object });
    return { statusCode: res.statusCode, payload: res.payload };
};

export const novaDeletes = (rig: Rig): string[] => rig.sim.requests
    .filter((r) => r.service === 'compute' && r.method === 'DELETE')
    .map((r) => r.path.replace('/servers/', ''));

export const inService = async (rig: Rig, groupId: string): Promise<[number, number]> => {
    const state = await rig.state(groupId);
    return [Number(state.activeCapacity), Number(state.pendingCapacity)];
};
