// What one delivery attempt came to (contract §7 "Completion", "Retries"),
// from the receiver's status and the part of its body we read, or from the
// error that ended the attempt. Pure.
import { isRecord } from '../../core/model/json';
import { DeadlinePassed } from '../http/exchange';
import { parseRetryAfter } from '../nova/errors';
import { AddressRefused } from './guarded-connect';

export type DeliveryAnswer =
    // 2xx with {"result": "continue"|"abandon"}: the workflow is done.
    | { readonly kind: 'completed'; readonly result: 'continue' | 'abandon' }
    // Any other 2xx: received; completion comes later through callbackUrl.
    // bodyTooLong: the answer passed maxAnswerBytes, so its result was not read.
    | { readonly kind: 'acknowledged'; readonly status: number; readonly bodyTooLong?: true }
    // Network error, timeout, 408, 429, 5xx: send again after backoff (or Retry-After).
    | { readonly kind: 'retry'; readonly reason: string; readonly status?: number; readonly retryAfterS?: number }
    // Another 4xx, or a 3xx (no redirect is followed): do not send again.
    | { readonly kind: 'final'; readonly status: number }
    // The scheme or the address is not allowed: final, activity reason workflow_refused.
    | { readonly kind: 'refused'; readonly reason: string };

export const isRetryStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

// The result a 2xx body carries, if it is exactly one the contract names.
export const resultOf = (text: string): 'continue' | 'abandon' | null => {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    }
    catch {
        return null;
    }

    const result = isRecord(parsed) ? parsed.result : undefined;
    return result === 'continue' || result === 'abandon' ? result : null;
};

export interface Received {
    readonly status: number;
    readonly retryAfter: string | undefined;   // the header as sent
    readonly body: string | null;              // null: not read, or past the cap
    readonly bodyTooLong: boolean;
}

export const answerOf = (received: Received, nowMs: number): DeliveryAnswer => {
    const { status } = received;
    if (isSuccess(status)) {
        const result = received.body === null ? null : resultOf(received.body);
        if (result !== null) {
            return { kind: 'completed', result };
        }

        return received.bodyTooLong ? { kind: 'acknowledged', status, bodyTooLong: true } : { kind: 'acknowledged', status };
    }

    if (isRetryStatus(status)) {
        const retryAfterS = received.retryAfter === undefined ? null : parseRetryAfter(received.retryAfter, nowMs);
        return retryAfterS === null
            ? { kind: 'retry', reason: `answered ${status}`, status }
            : { kind: 'retry', reason: `answered ${status}`, status, retryAfterS };
    }

    return { kind: 'final', status };
};

const codeOf = (err: Error): string | null => {
    const { code } = err as { code?: unknown };
    return typeof code === 'string' ? code : null;
};

// undici's own timeouts are set to the same deadline and may fire first.
const timeoutCodes = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

// The error and its causes, outermost first (undici may wrap what the connector failed with).
const chainOf = (err: unknown): Error[] => {
    const chain: Error[] = [];
    for (let at = err; at instanceof Error && chain.length < 5; at = at.cause) {
        chain.push(at);
    }

    return chain;
};

// An attempt that got no status: refused by the guard (final), or a timeout
// or network error (retried).
export type Failure = Extract<DeliveryAnswer, { kind: 'retry' | 'refused' }>;

export const answerOfFailure = (err: unknown): Failure => {
    const chain = chainOf(err);
    const refused = chain.find((e): e is AddressRefused => e instanceof AddressRefused);
    if (refused !== undefined) {
        return { kind: 'refused', reason: refused.reason };
    }

    const timedOut = chain.find((e) => e instanceof DeadlinePassed || timeoutCodes.has(codeOf(e) ?? ''));
    if (timedOut !== undefined) {
        return { kind: 'retry', reason: `timeout: ${timedOut.message}` };
    }

    const [first = new Error(String(err))] = chain;
    const code = codeOf(first);
    return { kind: 'retry', reason: `network error: ${code === null ? '' : `${code}: `}${first.message}` };
};
