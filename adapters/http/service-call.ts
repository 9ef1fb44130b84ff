// A call to one OpenStack service (Nova, Octavia), failing in that service's
// own error words: a missed deadline is 'timeout' (the request may have
// happened), failing to talk at all 'network', Keystone refusing the
// account 'unauthorized' and Keystone down or no endpoint 'unavailable'
// (nothing was sent), an answer that cannot be read 'server_error'.
// Statuses are left to the caller.
import type { Dispatcher } from 'undici';
import { DomainError } from '../../core/model/errors';
import { type Clock, systemClock } from '../../core/ports/clock';
import { ProjectSessions } from '../keystone/project-sessions';
import type { ServiceAccount } from '../keystone/service-account';
import { tlsDispatcher } from '../keystone/tls';
import type { Answer, Exchange } from './exchange';
import { type CallObserver, errorCode, isTimeout, type Meter, meteredExchange } from './meter';

export class MalformedAnswer extends Error {}

export type ServiceFailure = 'timeout' | 'network' | 'unauthorized' | 'unavailable' | 'server_error';

export interface ServiceErrors {
    readonly name: string;                 // 'Nova', for messages
    fail(kind: ServiceFailure, message: string, status?: number | null): Error;
}

export type ServiceCall = Exchange & {
    readonly what: string;                 // 'POST /servers', for messages
    readonly route: string;                // '/servers', the path template the meter is told
    readonly meter?: Meter | undefined;    // told of the request once it is answered or failed
};

export const serviceCall = async (service: ServiceErrors, call: ServiceCall): Promise<Answer> => {
    try {
        return await meteredExchange(call, call.meter, call.route);
    }
    catch (err) {
        if (isTimeout(err)) {
            throw service.fail('timeout', `${service.name} did not answer ${call.what} within ${call.timeoutMs} ms`);
        }

        const code = errorCode(err);
        throw service.fail('network', `${service.name} unreachable (${call.what}): ${(err as Error).message}${code === null ? '' : ` (${code})`}`);
    }
};

// Keystone's failures, as the service's: the service's own errors and bugs pass as they are.
export const identityFailure = (service: ServiceErrors, err: unknown): Error => {
    if (!(err instanceof DomainError)) {
        return err as Error;
    }

    const kind = err.type === 'ServiceCredentialsRejected' ? 'unauthorized' : 'unavailable';
    return service.fail(kind, err.message, typeof err.details.status === 'number' ? err.details.status : null);
};

export const readOrFail = <T>(service: ServiceErrors, answer: Answer, parse: () => T): T => {
    try {
        return parse();
    }
    catch (err) {
        if (err instanceof MalformedAnswer) {
            throw service.fail('server_error', `Malformed answer from ${service.name}: ${err.message}`, answer.statusCode);
        }

        throw err;
    }
};

// A page link's marker; null when the link is not a URL or has none.
export const markerOf = (href: string): string | null => {
    try {
        return new URL(href).searchParams.get('marker');
    }
    catch {
        return null;
    }
};

export const DEFAULT_USER_AGENT = 'nova-autoscale';

// The User-Agent of one plugin instance (contract §9): many share a cloud, and
// the services' logs can then tell whose a request was.
export const instanceUserAgent = (instance: string): string => `${DEFAULT_USER_AGENT} (instance ${instance})`;

// What a client of an OpenStack service (Nova, Octavia) is made with: its
// listing page size, its User-Agent, its clock and HTTP dispatcher, and
// Keystone sessions per project for the service account.
export interface ServiceClientOptions {
    readonly pageSize?: number;            // items per listing page (the service caps it, 1000 by default)
    readonly userAgent?: string;           // every call's User-Agent (default DEFAULT_USER_AGENT)
    readonly keystoneTimeoutMs?: number;   // per Keystone call; KeystoneSession's default otherwise
    readonly clock?: Clock;
    readonly dispatcher?: Dispatcher;      // default: the account's TLS one, else undici's global one
    readonly observe?: CallObserver;       // told of every request, Keystone's for the account too (the metrics, the log)
}

export interface ServiceClientBase {
    readonly pageSize: number;
    readonly userAgent: string;
    readonly clock: Clock;
    readonly dispatcher: Dispatcher | undefined;
    readonly sessions: ProjectSessions;
    readonly observe: CallObserver | undefined;
}

export const serviceClientBase = (account: ServiceAccount, options: ServiceClientOptions, defaultPageSize: number): ServiceClientBase => {
    const pageSize = options.pageSize ?? defaultPageSize;
    if (!Number.isInteger(pageSize) || pageSize < 1) {
        throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
    }

    const clock = options.clock ?? systemClock;
    // A private cloud's CA (or no verification) holds for its services as for its Keystone.
    const dispatcher = options.dispatcher ?? tlsDispatcher(account.tls);
    return {
        pageSize, clock, dispatcher, userAgent: options.userAgent ?? DEFAULT_USER_AGENT, observe: options.observe,
        sessions: new ProjectSessions(account, {
            clock,
            ...(options.observe === undefined ? {} : { observe: options.observe }),
            ...(options.keystoneTimeoutMs === undefined ? {} : { timeoutMs: options.keystoneTimeoutMs }),
            ...(dispatcher === undefined ? {} : { dispatcher })
        })
    };
};

// One JSON request to an OpenStack service as a token: the headers every
// call carries (and the service's own, such as Nova's microversion), the body
// when there is one, and the client's dispatcher when it was given one.
export const jsonCall = (call: {
    readonly method: ServiceCall['method'];
    readonly url: string;
    readonly token: string;
    readonly timeoutMs: number;
    readonly what: string;
    readonly route: string;
    readonly body?: unknown;
    readonly headers?: Readonly<Record<string, string>>;
    readonly userAgent: string;
    readonly dispatcher?: Dispatcher | undefined;
    readonly meter?: Meter | undefined;
}): ServiceCall => ({
    method: call.method,
    url: call.url,
    headers: {
        accept: 'application/json',
        ...call.headers,
        'x-auth-token': call.token,
        'user-agent': call.userAgent,
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' })
    },
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    timeoutMs: call.timeoutMs,
    what: call.what,
    route: call.route,
    ...(call.dispatcher === undefined ? {} : { dispatcher: call.dispatcher }),
    ...(call.meter === undefined ? {} : { meter: call.meter })
});
