// The webhook ports (core/ports/webhooks.ts) over deliver.ts and url-check.ts,
// under the operator's address policy and resolver.
import type { WebhookSender, WebhookUrlCheck } from '../../core/ports/webhooks';
import type { AddressPolicy } from './address-policy';
import { deliver } from './deliver';
import { checkWebhookUrl, type Lookup, systemLookup } from './url-check';

export interface WebhookAdapterOptions {
    readonly policy: AddressPolicy;
    readonly lookup?: Lookup | undefined;
    readonly timeoutMs?: number | undefined;
}

export const webhookSender = (options: WebhookAdapterOptions): WebhookSender => ({
    send: (attempt) => deliver(attempt, {
        policy: options.policy,
        lookup: options.lookup ?? systemLookup,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs })
    })
});

export const webhookUrlCheck = (options: WebhookAdapterOptions): WebhookUrlCheck => async (url) => {
    const check = await checkWebhookUrl(url, options.policy, options.lookup ?? systemLookup);
    return check.ok ? { ok: true } : { ok: false, reason: check.reason };
};
