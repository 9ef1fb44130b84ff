// A customer webhook's delivery (contract §7), decided: what an attempt's
// answer, a callback, a heartbeat or the clock make of it. Pure: the outbox
// (its row) and the time in, the next step out.
import type { WorkflowFailureReason } from '../model/activity';
import type { WorkflowResult } from '../model/workflow';

// How an attempt went, as the delivery adapter says it.
export type DeliveryAnswer =
    | { readonly kind: 'completed'; readonly result: WorkflowResult }                        // 2xx with a result
    | { readonly kind: 'acknowledged' }                                                      // other 2xx: a callback will say
    | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterS?: number }      // network, timeout, 408, 429, 5xx
    | { readonly kind: 'final'; readonly status: number }                                    // another 4xx, a 3xx
    | { readonly kind: 'refused'; readonly reason: string };                                 // the address is not one it may go to

export interface Delivery {
    readonly attempts: number;             // sent so far
    readonly firstSentAt: Date | null;
    readonly deadline: Date;               // the default applies then
    readonly timeoutS: number;
    readonly defaultResult: WorkflowResult;
    readonly acknowledged: boolean;        // a 2xx without a result: nothing more is sent, a callback is awaited
}

export interface Completion { readonly kind: 'complete'; readonly result: WorkflowResult; readonly reason: WorkflowFailureReason | null; readonly why: string }

export type DeliveryStep =
    | Completion
    | { readonly kind: 'retry'; readonly at: Date; readonly why: string }
    | { readonly kind: 'await' };          // acknowledged: the callback (or the deadline) ends it

// 1 s, doubling, at most 60 s between attempts.
export const RETRY_BASE_MS = 1000;
export const RETRY_CAP_MS = 60_000;

export const retryDelayMs = (attempts: number): number =>
    Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, Math.min(attempts - 1, 16)));

// The default result, and why it applies.
const fallBack = (d: Delivery, reason: WorkflowFailureReason, why: string): Completion =>
    ({ kind: 'complete', result: d.defaultResult, reason, why });

// What an attempt's answer makes of the delivery (`attempts` counts that attempt).
export const afterAnswer = (d: Delivery, answer: DeliveryAnswer, now: Date): DeliveryStep => {
    switch (answer.kind) {
        case 'completed':
            return { kind: 'complete', result: answer.result, reason: answer.result === 'abandon' ? 'workflow_abandoned' : null, why: `the webhook answered ${answer.result}` };
        case 'acknowledged':
            return { kind: 'await' };
        case 'final':
            return fallBack(d, 'workflow_failed', `the webhook answered ${answer.status}: ${d.defaultResult}, the default`);
        case 'refused':
            return fallBack(d, 'workflow_refused', `not sent: ${answer.reason}`);
        case 'retry': {
            // A Retry-After longer than our own wait is honoured.
            const waitMs = Math.max(retryDelayMs(d.attempts), (answer.retryAfterS ?? 0) * 1000);
            const at = new Date(now.getTime() + waitMs);
            return at.getTime() >= d.deadline.getTime() ?
                fallBack(d, 'workflow_timeout', `no answer before the deadline (last: ${answer.reason}): ${d.defaultResult}, the default`) :
                { kind: 'retry', at, why: answer.reason };
        }
    }
};

// The clock alone: past the deadline, the default applies.
export const pastDeadline = (d: Delivery, now: Date): Completion | null =>
    now.getTime() >= d.deadline.getTime() ? fallBack(d, 'workflow_timeout', `no result by ${d.deadline.toISOString()}: ${d.defaultResult}, the default`) : null;

// A heartbeat moves the deadline timeoutS from now, at most 10 × timeoutS
// after the first delivery; it never brings it closer.
export const HEARTBEAT_CEILING = 10;

export const afterHeartbeat = (d: Delivery, now: Date): Date => {
    const first = (d.firstSentAt ?? now).getTime();
    const wanted = Math.min(now.getTime() + d.timeoutS * 1000, first + HEARTBEAT_CEILING * d.timeoutS * 1000);
    return new Date(Math.max(wanted, d.deadline.getTime()));
};
