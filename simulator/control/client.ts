// /_sim driven from another process (a simulator started with simulator/main.ts): a
// JSON call, answered with its status and parsed body (null when empty).
import { request } from 'undici';

export type ControlMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type SimControl = (method: ControlMethod, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

export const simControl = (controlUrl: string): SimControl => async (method, path, body) => {
    const res = await request(`${controlUrl}${path}`, {
        method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) as unknown : null };
};
