// One HTTP exchange with an OpenStack service, read to the end, under a
// deadline that covers headers and body. Keystone, Nova and Octavia calls all go
// through here; each says what a missed deadline or a failed exchange means.
import { type Dispatcher, request } from 'undici';

export interface Exchange {
    readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly timeoutMs: number;
    readonly dispatcher?: Dispatcher;      // default: undici's global one (nock hooks there)
}

export interface Answer {
    readonly statusCode: number;
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
    readonly json: unknown;                // null when the body is not JSON
    readonly text: string;
}

// Thrown (and given to abort) when the deadline passes first.
export class DeadlinePassed extends Error {
    constructor(readonly timeoutMs: number) {
        super(`no answer within ${timeoutMs} ms`);
        this.name = 'DeadlinePassed';
    }
}

export const exchange = async (call: Exchange): Promise<Answer> => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // The abort frees the socket; the race holds the deadline even when a
    // dispatcher is slow to honour the signal.
    const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
            const err = new DeadlinePassed(call.timeoutMs);
            controller.abort(err);
            reject(err);
        }, call.timeoutMs);
    });

    try {
        return await Promise.race([send(call, controller.signal), deadline]);
    }
    finally {
        clearTimeout(timer);
    }
};

const send = async (call: Exchange, signal: AbortSignal): Promise<Answer> => {
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

export const headerOf = (answer: Answer, name: string): string | undefined => {
    const value = answer.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
};
