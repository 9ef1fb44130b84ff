// Every request to an OpenStack service (Keystone, Nova, Octavia, Neutron),
// told to an observer once it is answered or has failed: the plugin counts
// it (contract §10) and logs the failed ones. What is told names the call by
// its path template, never its ids, query or token.
import { DeadlinePassed, exchange, headerOf, type Answer, type Exchange } from './exchange';

// The catalog's types of the services the plugin calls.
export type ServiceType = 'identity' | 'compute' | 'load-balancer' | 'network';

export interface CallRecord {
    readonly service: ServiceType;
    readonly region: string;
    readonly method: string;
    readonly route: string;                // the path template, as '/servers/{server_id}'
    readonly code: string;                 // the answer's status, or 'timeout' / 'network' when there was none
    readonly seconds: number;
    readonly projectId: string | null;     // the project the call was scoped to (null: the account's own scope)
    readonly groupId: string | null;       // the group it was made for, when one was
    readonly requestId: string | null;     // the service's own id of the request, when it answered
}

export type CallObserver = (record: CallRecord) => void;

export interface Meter {
    readonly service: ServiceType;
    readonly region: string;
    readonly projectId: string | null;
    readonly groupId: string | null;
    readonly observe: CallObserver;
}

// Where a call is metered from: its scope, as the ports give it.
export interface MeterScope {
    readonly projectId: string | null;
    readonly region?: string | null | undefined;
    readonly groupId?: string | undefined;
}

// The meter of a call to `service` in the scope's region (else `region`, the account's).
export const meterOf = (observe: CallObserver | undefined, service: ServiceType, region: string | null | undefined, scope: MeterScope): Meter | undefined =>
    observe === undefined ? undefined : {
        service, region: scope.region ?? region ?? 'default', projectId: scope.projectId, groupId: scope.groupId ?? null, observe
    };

// undici's own timers, should a dispatcher with tighter ones be passed in.
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

// Node's and undici's errors carry a code, sometimes on their cause.
export const errorCode = (err: unknown): string | null => {
    for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 3; depth++) {
        if ('code' in e && typeof e.code === 'string') {
            return e.code;
        }

        e = 'cause' in e ? e.cause : null;
    }

    return null;
};

// A missed deadline (the request may have happened), as opposed to failing to talk at all.
export const isTimeout = (err: unknown): boolean => {
    const code = errorCode(err);
    return err instanceof DeadlinePassed || (code !== null && TIMEOUT_CODES.has(code));
};

// OpenStack's request id: every service's x-openstack-request-id, Nova's older name for it otherwise.
export const requestIdOf = (answer: Answer): string | null =>
    headerOf(answer, 'x-openstack-request-id') ?? headerOf(answer, 'x-compute-request-id') ?? null;

// The exchange, told to the meter (when there is one); a failure is thrown as it came.
export const meteredExchange = async (call: Exchange, meter: Meter | undefined, route: string): Promise<Answer> => {
    const started = performance.now();
    const record = (code: string, requestId: string | null): void => meter?.observe({
        service: meter.service, region: meter.region, method: call.method, route, code, seconds: (performance.now() - started) / 1000,
        projectId: meter.projectId, groupId: meter.groupId, requestId
    });
    try {
        const answer = await exchange(call);
        record(String(answer.statusCode), requestIdOf(answer));
        return answer;
    }
    catch (err) {
        record(isTimeout(err) ? 'timeout' : 'network', null);
        throw err;
    }
};
