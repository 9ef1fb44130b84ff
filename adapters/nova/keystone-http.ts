// One HTTP exchange with Keystone, read to the end, under a deadline. Keystone
// that cannot be reached, or does not answer in time, is 'unavailable'.
import { type Dispatcher, request } from 'undici';
import { DomainError } from '../../core/errors';

export interface KeystoneCall {
    readonly method: 'GET' | 'POST';
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly timeoutMs: number;
    readonly dispatcher?: Dispatcher;      // default: undici's global one (nock hooks there)
}

export interface KeystoneAnswer {
    readonly statusCode: number;
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
    readonly json: unknown;                // null when the body is not JSON
    readonly text: string;
}

export const identityUnavailable = (message: string, details: Record<string, unknown> = {}): DomainError =>
    new DomainError('unavailable', 'IdentityUnavailable', message, details);

export const keystoneCall = async (call: KeystoneCall): Promise<KeystoneAnswer> => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // The abort frees the socket; the race makes the deadline hold even with
    // a dispatcher that is slow to honour the signal.
    const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
            const err = identityUnavailable(`Keystone did not answer ${call.method} ${call.url} within ${call.timeoutMs} ms`, { timeoutMs: call.timeoutMs });
            controller.abort(err);
            reject(err);
        }, call.timeoutMs);
    });

    try {
        return await Promise.race([send(call, controller.signal), deadline]);
    }
    catch (err) {
        if (err instanceof DomainError) {
            throw err;
        }

        throw identityUnavailable(`Keystone unreachable (${call.method} ${call.url}): ${(err as Error).message}`);
    }
    finally {
        clearTimeout(timer);
    }
};

const send = async (call: KeystoneCall, signal: AbortSignal): Promise<KeystoneAnswer> => {
    const res = await request(call.url, {
        method: call.method,
        headers: call.headers,
        body: call.body,
        signal,
        ...(call.dispatcher === undefined ? {} : { dispatcher: call.dispatcher })
    });
    const text = await res.body.text();
    return { statusCode: res.statusCode, headers: res.headers, json: parseJson(text), text };
};

const parseJson = (text: string): unknown => {
    try {
        return JSON.parse(text) as unknown;
    }
    catch {
        return null;
    }
};

export const headerOf = (answer: KeystoneAnswer, name: string): string | undefined => {
    const value = answer.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
};

// Keystone's own words from an error body, for the operator's log.
export const keystoneMessage = (answer: KeystoneAnswer): string => {
    const json = answer.json;
    if (typeof json === 'object' && json !== null && 'error' in json) {
        const error: unknown = json.error;
        if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
            return error.message;
        }
    }

    return answer.text.slice(0, 200);
};
