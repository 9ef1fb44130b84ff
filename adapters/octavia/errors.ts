// Octavia's error answers as LoadBalancerErrors. Octavia words its faults as
// {"faultcode": "Client", "faultstring": "...", "debuginfo": null}; its 409
// means two different things, told apart by those words (contract §7):
//   "Load Balancer <id> is immutable and cannot be updated." (PENDING_*): busy, wait
//   "Another member on this pool is already using ip ... on protocol_port ...": refused
import { isRecord } from '../../core/model/json';
import { LoadBalancerError, type LoadBalancerErrorKind } from '../../core/model/load-balancer';
import { parseRetryAfter } from '../nova/errors';
import { headerOf } from '../http/exchange';
import type { OctaviaAnswer } from './http';

// What a 404 means depends on what was asked: the pool, the load balancer, or the member.
export type NotFoundKind = Extract<LoadBalancerErrorKind, 'pool_gone' | 'load_balancer_gone' | 'refused'>;

// PENDING_CREATE / _UPDATE / _DELETE on the load balancer, listener or pool
// ("immutable"), or "Invalid state PENDING_CREATE of loadbalancer resource".
const BUSY = /immutable|PENDING_/i;
const QUOTA = /quota/i;

export const kindOf = (status: number, message: string, notFound: NotFoundKind): LoadBalancerErrorKind => {
    switch (status) {
        case 400: return 'refused';
        case 401: return 'unauthorized';
        case 403: return QUOTA.test(message) ? 'quota' : 'forbidden';
        case 404: return notFound;
        // Anything but busy is Octavia refusing what we asked: waiting will not change it.
        case 409: return BUSY.test(message) ? 'busy' : 'refused';
        case 413:
        case 429: return 'over_limit';
        case 503: return 'unavailable';
        default:
            return status >= 400 && status < 500 ? 'refused' : 'server_error';
    }
};

export const octaviaError = (answer: OctaviaAnswer, what: string, nowMs: number, notFound: NotFoundKind): LoadBalancerError => {
    const message = octaviaMessage(answer) ?? `Octavia answered ${answer.statusCode} to ${what}`;
    const kind = kindOf(answer.statusCode, message, notFound);
    const retryAfterS = kind === 'over_limit' || kind === 'unavailable' ? retryAfterOf(answer, nowMs) : null;
    return new LoadBalancerError(kind, message, answer.statusCode, retryAfterS);
};

// Octavia's faultstring; keystonemiddleware's 401 says {error: {message}}; a proxy says text.
export const octaviaMessage = (answer: OctaviaAnswer): string | null => {
    const json = answer.json;
    const candidates = isRecord(json) ? [json.faultstring, isRecord(json.error) ? json.error.message : undefined] : [];
    for (const candidate of candidates) {
        if (typeof candidate === 'string' && candidate.trim() !== '') {
            return candidate.trim();
        }
    }

    const text = answer.text.trim();
    if (text.startsWith('<')) {
        // webob's HTML page (a member call on a pool that does not exist): its last line is the detail.
        const lines = text.replace(/<[^>]*>/g, '\n').split('\n').map((line) => line.trim()).filter((line) => line !== '');
        return lines[lines.length - 1]?.slice(0, 200) ?? null;
    }

    return text === '' ? null : text.slice(0, 200);
};

const retryAfterOf = (answer: OctaviaAnswer, nowMs: number): number | null => {
    const header = headerOf(answer, 'retry-after');
    return header === undefined ? null : parseRetryAfter(header, nowMs);
};
