// Helpers for tests that refuse requests: the contract's error body, and
// "nothing was written" as an unchanged tenantSnapshot.
import * as Code from '@hapi/code';
import type { ServerInjectResponse } from '@hapi/hapi';
import { tenantSnapshot } from './database';
import { field } from './server';

const { expect } = Code;

export interface ErrorShape {
    code: number;
    type: string;
    message: string;
    details: Record<string, unknown>;
}

// The contract's `{"error": {code, type, message, details}}`, or a reason why not.
export const errorShapeProblem = (status: number, body: unknown): string | null => {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return 'body is not an object';
    }

    const keys = Object.keys(body);
    if (keys.length !== 1 || keys[0] !== 'error') {
        return `body keys are [${keys.join(', ')}], not [error]`;
    }

    const error = field(body, 'error');
    if (error === null || typeof error !== 'object' || Array.isArray(error)) {
        return 'error is not an object';
    }

    const e = error as Record<string, unknown>;
    if (e.code !== status) {
        return `error.code ${String(e.code)} is not the status ${status}`;
    }

    if (typeof e.type !== 'string' || e.type === '') {
        return 'error.type is not a non-empty string';
    }

    if (typeof e.message !== 'string') {
        return 'error.message is not a string';
    }

    if (e.details === null || typeof e.details !== 'object' || Array.isArray(e.details)) {
        return 'error.details is not an object';
    }

    return null;
};

export const errorOf = (res: ServerInjectResponse<unknown>): ErrorShape => {
    const problem = errorShapeProblem(res.statusCode, res.result);
    expect(problem, `${res.statusCode} ${res.payload}`).to.be.null();
    return field(res.result, 'error') as ErrorShape;
};

export interface Refusal {
    status: number;
    type: string;
    // The dotted path `details.field` must name (400 only).
    field?: string;
}

// Runs a request that must be refused as told, and proves it wrote nothing.
export const expectRefused = async (tenant: string, send: () => Promise<ServerInjectResponse<unknown>>, refusal: Refusal): Promise<ErrorShape> => {
    const before = await tenantSnapshot(tenant);
    const res = await send();
    const what = `${res.request.method.toUpperCase()} ${res.request.url.pathname}: ${res.statusCode} ${res.payload.slice(0, 500)}`;
    expect(res.statusCode, what).to.equal(refusal.status);
    const error = errorOf(res);
    expect(error.type, what).to.equal(refusal.type);
    if (refusal.field !== undefined) {
        expect(error.details.field, what).to.equal(refusal.field);
    }

    expect(await tenantSnapshot(tenant), `${what} wrote something`).to.equal(before);
    return error;
};
