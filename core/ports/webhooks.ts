// The customer's webhook as the engine reaches it (contract §7): one signed
// attempt at a time (adapters/workflow-webhook/deliver.ts), and the check of a
// URL before a workflow naming it is written.
import type { DeliveryAnswer } from '../decide/delivery';

export interface WebhookAttempt {
    readonly url: string;
    readonly deliveryId: string;          // X-Autoscale-Delivery, the same on every retry
    readonly secret: string;              // signs; never logged, never in an answer
    readonly body: string;                // the exact bytes sent and signed
    readonly now: Date;                   // the signature's t
}

export interface WebhookSender {
    // Never rejects for anything the network or the receiver does.
    send(attempt: WebhookAttempt): Promise<DeliveryAnswer>;
    // Lets kept-alive connections go (the plugin stopping).
    close?(): Promise<void>;
}

export type UrlVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

// Scheme, credentials and every address the host stands for, under the
// operator's policy (allowHttp, allowCidrs).
export type WebhookUrlCheck = (url: string) => Promise<UrlVerdict>;
