// Nova's error answers as ComputeErrors: the kind from the status, the message
// from Nova's own body ({"forbidden": {"code": 403, "message": ...}}), and how
// long to hold off from Retry-After or Nova's overLimit.retryAfter.
import { isRecord } from '../../core/model/json';
import { ComputeError, type ComputeErrorKind } from '../../core/model/server';
import type { NovaAnswer } from './http';

export const kindOfStatus = (status: number): ComputeErrorKind => {
    switch (status) {
        case 400: return 'bad_request';
        case 401: return 'unauthorized';
        case 403: return 'quota';
        case 404: return 'not_found';
        case 413:
        case 429: return 'over_limit';
        case 503: return 'unavailable';
        default:
            // 405, 406, 409, ...: Nova refused what we asked, retrying as is will not help.
            return status >= 400 && status < 500 ? 'bad_request' : 'server_error';
    }
};

export const novaError = (answer: NovaAnswer, what: string, nowMs: number): ComputeError => {
    const kind = kindOfStatus(answer.statusCode);
    const retryAfterS = kind === 'over_limit' || kind === 'unavailable' ? retryAfterOf(answer, nowMs) : null;
    return new ComputeError(kind, novaMessage(answer) ?? `Nova answered ${answer.statusCode} to ${what}`, answer.statusCode, retryAfterS);
};

// Nova wraps every error in one key named for the fault (badRequest, forbidden,
// overLimit, itemNotFound, computeFault...); keystonemiddleware's 401 says {error}.
export const faultOf = (json: unknown): Record<string, unknown> | null => {
    if (!isRecord(json)) {
        return null;
    }

    for (const value of Object.values(json)) {
        if (isRecord(value)) {
            return value;
        }
    }

    return null;
};

export const novaMessage = (answer: NovaAnswer): string | null => {
    const message = faultOf(answer.json)?.message;
    if (typeof message === 'string' && message.trim() !== '') {
        return message.trim();
    }

    const text = answer.text.trim();
    return text === '' ? null : text.slice(0, 200);
};

// Seconds to wait: the header wins (seconds or an HTTP date), else the body.
export const retryAfterOf = (answer: NovaAnswer, nowMs: number): number | null => {
    const raw = answer.headers['retry-after'];
    const header = Array.isArray(raw) ? raw[0] : raw;
    if (header !== undefined) {
        const parsed = parseRetryAfter(header, nowMs);
        if (parsed !== null) {
            return parsed;
        }
    }

    const fromBody = faultOf(answer.json)?.retryAfter;
    if (typeof fromBody === 'number' || typeof fromBody === 'string') {
        return parseRetryAfter(String(fromBody), nowMs);
    }

    return null;
};

export const parseRetryAfter = (value: string, nowMs: number): number | null => {
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text)) {
        return Math.ceil(Number(text));
    }

    // An HTTP date always names its weekday or month: a bare number never gets here.
    const at = Date.parse(text);
    if (Number.isNaN(at)) {
        return null;
    }

    return Math.max(0, Math.ceil((at - nowMs) / 1000));
};
