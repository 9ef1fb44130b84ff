// The one place errors become HTTP: domain errors and Boom errors alike are
// rendered as the contract's `{"error": {code, type, message, details}}`.
import Boom from '@hapi/boom';
import type { Lifecycle, Request, ResponseObject, ResponseToolkit } from '@hapi/hapi';
import type { ValidationError } from 'joi';
import { DomainError, notFound, type DomainErrorKind } from '../core/model/errors';

const statusOf: Record<DomainErrorKind, number> = {
    bad_request: 400, unauthorized: 401, forbidden: 403, not_found: 404, conflict: 409, limit: 422, unavailable: 503
};

const typeOf = (status: number): string => ({
    400: 'ValidationError', 401: 'UnauthorizedError', 403: 'ForbiddenError', 404: 'NotFoundError', 405: 'MethodNotAllowedError',
    408: 'RequestTimeoutError', 409: 'ConflictError', 413: 'RequestTooLargeError', 415: 'UnsupportedMediaTypeError', 422: 'LimitError', 503: 'ServiceUnavailableError'
}[status] ?? (status >= 500 ? 'InternalError' : 'RequestError'));

export interface ErrorBody {
    error: { code: number; type: string; message: string; details: Record<string, unknown> };
}

export const errorBody = (code: number, type: string, message: string, details: Record<string, unknown>): ErrorBody =>
    ({ error: { code, type, message, details } });

const notFoundParam: Record<string, 'group' | 'policy' | 'webhook'> = { groupId: 'group', policyId: 'policy', webhookId: 'webhook' };

// Joi's refusal, with the dotted path of the field it refused. A path id no
// resource could have (too long, unstorable text) is as unknown as every other: 404.
export const validationFailed: Lifecycle.Method = (_request, _h, err) => {
    const joi = err as (ValidationError & Partial<Boom.Boom>) | undefined;
    const detail = joi?.details?.[0];
    const field = detail ? detail.path.join('.') : '';
    const source: unknown = (joi?.output?.payload as { validation?: { source?: unknown } } | undefined)?.validation?.source;
    const missing = source === 'params' && Object.hasOwn(notFoundParam, field) ? notFoundParam[field] : undefined;
    if (missing) {
        throw notFound(missing, String(detail?.context?.value ?? ''));
    }

    throw Boom.badRequest(detail?.message ?? 'Invalid request', { field });
};

const fromBoom = (err: Boom.Boom): ErrorBody => {
    const code = err.output.statusCode;
    const data: unknown = err.data;
    const details = data && typeof data === 'object' && !Array.isArray(data) ? { ...(data as Record<string, unknown>) } : {};
    if (code === 400 && /payload JSON|Invalid request payload/i.test(err.message)) {
        return errorBody(code, 'InvalidJsonError', 'Request body is not valid JSON', {});
    }

    // A 503 is one of ours (Keystone out of reach) and says so; other 5xx keep their causes to the log.
    return errorBody(code, typeOf(code), code >= 500 && code !== 503 ? 'Internal error' : err.message, details);
};

// A 503 is an outage of the database or an OpenStack service: worth a retry soon.
export const RETRY_AFTER_S = 5;

const send = (h: ResponseToolkit, body: ErrorBody): ResponseObject => {
    const out = h.response(body).code(body.error.code);
    return body.error.code === 503 ? out.header('Retry-After', String(RETRY_AFTER_S)) : out;
};

const fromDomain = (err: DomainError): ErrorBody => errorBody(statusOf[err.kind], err.type, err.message, err.details);

export const renderErrors = (request: Request, h: ResponseToolkit): Lifecycle.ReturnValue => {
    const response = request.response;
    if (response instanceof DomainError) {
        return send(h, fromDomain(response));
    }

    if (!Boom.isBoom(response)) {
        return h.continue;
    }

    if (response.data instanceof DomainError) {
        return send(h, fromDomain(response.data));
    }

    const rendered = fromBoom(response);
    if (rendered.error.code >= 500) {
        request.log(['nova-autoscale', 'api', 'error'], response);
    }

    const out = send(h, rendered);
    if (rendered.error.code === 408) {
        // The rest of that body is not coming: the connection goes with the answer.
        out.header('connection', 'close');
    }

    const authenticate = response.output.headers['WWW-Authenticate'];
    if (authenticate) {
        out.header('WWW-Authenticate', String(authenticate));
    }

    return out;
};
