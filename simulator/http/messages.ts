// The HTTP plumbing shared by every service: parsed requests, plain-data
// responses (so a fault can rewrite them before they are sent), and writing.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SimRequest {
    readonly method: string;
    readonly path: string;                 // after the service prefix ('/' for the root)
    readonly query: URLSearchParams;
    readonly headers: IncomingMessage['headers'];
    readonly rawBody: string;
    readonly origin: string;               // scheme + host the client used, for links
}

export interface SimResponse {
    status: number;
    headers: Record<string, string>;
    json?: unknown;
    text?: string;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): SimResponse => ({ status, headers, json: body });

export const empty = (status: number, headers: Record<string, string> = {}): SimResponse => ({ status, headers });

export const header = (req: SimRequest, name: string): string | undefined => {
    const value = req.headers[name.toLowerCase()];
    return typeof value === 'string' ? value : undefined; // only set-cookie comes as a list
};

export type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

// An empty body parses to undefined; the handler decides whether that is allowed.
export const parseJson = (raw: string): Parsed => {
    if (raw.trim() === '') {
        return { ok: true, value: undefined };
    }

    try {
        return { ok: true, value: JSON.parse(raw) as unknown };
    }
    catch (err) {
        return { ok: false, message: (err as Error).message };
    }
};

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export const queryObject = (query: URLSearchParams): Record<string, string> => Object.fromEntries(query.entries());

export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLarge extends Error {}

export const readBody = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
        const buffer = chunk as Buffer;
        size += buffer.length;
        if (size > MAX_BODY_BYTES) {
            throw new BodyTooLarge('request body too large');
        }

        chunks.push(buffer);
    }

    return Buffer.concat(chunks).toString('utf8');
};

export const send = (res: ServerResponse, response: SimResponse, method: string): void => {
    let payload: string | undefined;
    const headers: Record<string, string> = { ...response.headers };
    if (response.json !== undefined) {
        payload = JSON.stringify(response.json);
        headers['Content-Type'] ??= 'application/json';
    }
    else if (response.text !== undefined) {
        payload = response.text;
        headers['Content-Type'] ??= 'text/plain; charset=utf-8';
    }

    const bodyless = method === 'HEAD' || response.status === 204 || response.status === 304;
    headers['Content-Length'] = bodyless || payload === undefined ? '0' : String(Buffer.byteLength(payload));
    res.writeHead(response.status, headers);
    res.end(bodyless ? undefined : payload);
};
