// One HTTP exchange with Nova, read to the end, under a deadline. No answer in
// time is 'timeout' (the request may have happened); failing to talk at all is
// 'network'. Statuses are left to the caller.
import { type Dispatcher, request } from 'undici';
import { ComputeError } from '../../core/ports/compute';

export interface NovaCall {
    readonly method: 'GET' | 'POST' | 'DELETE';
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly timeoutMs: number;
    readonly what: string;                 // 'POST /servers', for messages
    readonly dispatcher?: Dispatcher;      // default: undici's global one (nock hooks there)
}

export interface NovaAnswer {
    readonly statusCode: number;
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
    readonly json: unknown;                // null when the body is not JSON
    readonly text: string;
}

// undici's own timers, should a dispatcher with tighter ones be passed in.
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

export const novaCall = async (call: NovaCall): Promise<NovaAnswer> => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = (): ComputeError =>
        new ComputeError('timeout', `Nova did not answer ${call.what} within ${call.timeoutMs} ms`);
    // The abort frees the socket; the race holds the deadline even when a
    // dispatcher is slow to honour the signal. Headers and body both count.
    const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
            const err = timedOut();
            controller.abort(err);
            reject(err);
        }, call.timeoutMs);
    });

    try {
        return await Promise.race([send(call, controller.signal), deadline]);
    }
    catch (err) {
        if (err instanceof ComputeError) {
            throw err;
        }

        const code = errorCode(err);
        if (code !== null && TIMEOUT_CODES.has(code)) {
            throw timedOut();
        }

        throw new ComputeError('network', `Nova unreachable (${call.what}): ${(err as Error).message}${code === null ? '' : ` (${code})`}`);
    }
    finally {
        clearTimeout(timer);
    }
};

const send = async (call: NovaCall, signal: AbortSignal): Promise<NovaAnswer> => {
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
    if (text === '') {
        return null;
    }

    try {
        return JSON.parse(text) as unknown;
    }
    catch {
        return null;
    }
};

// Node's and undici's errors carry a code, sometimes on their cause.
const errorCode = (err: unknown): string | null => {
    for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 3; depth++) {
        if ('code' in e && typeof e.code === 'string') {
            return e.code;
        }

        e = 'cause' in e ? e.cause : null;
    }

    return null;
};
