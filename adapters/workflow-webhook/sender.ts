// The webhook ports (core/ports/webhooks.ts) over deliver.ts and url-check.ts,
// under the operator's address policy and resolver.
import type { WebhookSender, WebhookUrlCheck } from '../../core/ports/webhooks';
import type { AddressPolicy } from './address-policy';
import { defaultTimeoutMs, deliver } from './deliver';
import { guardedAgent } from './guarded-connect';
import { checkWebhookUrl, type Lookup, systemLookup } from './url-check';

export interface WebhookAdapterOptions {
    readonly policy: AddressPolicy;
    readonly lookup?: Lookup | undefined;
    readonly timeoutMs?: number | undefined;
}

// One guarded Agent for every attempt, `connections` per receiver's origin:
// a receiver answering many deliveries is not dialled again for each.
export const webhookSender = (options: WebhookAdapterOptions & { readonly connections?: number }): WebhookSender & { close(): Promise<void> } => {
    const lookup = options.lookup ?? systemLookup;
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    const agent = guardedAgent(options.policy, lookup, timeoutMs, options.connections ?? 1);
    let closing: Promise<void> | null = null;
    return {
        send: (attempt) => deliver(attempt, { policy: options.policy, lookup, timeoutMs, agent }),
        // A plugin stopped twice closes once.
        close: () => (closing ??= agent.close().catch(() => undefined))
    };
};

export const webhookUrlCheck = (options: WebhookAdapterOptions): WebhookUrlCheck => async (url) => {
    const check = await checkWebhookUrl(url, options.policy, options.lookup ?? systemLookup);
    return check.ok ? { ok: true } : { ok: false, reason: check.reason };
};
