// One HTTP exchange with Octavia, read to the end, under a deadline. No answer
// in time is 'timeout' (the change may have happened); failing to talk at all
// is 'network'. Statuses are left to the caller.
import { LoadBalancerError } from '../../core/model/load-balancer';
import { DeadlinePassed, exchange, type Answer, type Exchange } from '../http/exchange';

export type OctaviaCall = Exchange & {
    readonly what: string;                 // 'POST /lbaas/pools/p1/members', for messages
};
export type OctaviaAnswer = Answer;

// undici's own timers, should a dispatcher with tighter ones be passed in.
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

export const octaviaCall = async (call: OctaviaCall): Promise<OctaviaAnswer> => {
    try {
        return await exchange(call);
    }
    catch (err) {
        const code = errorCode(err);
        if (err instanceof DeadlinePassed || (code !== null && TIMEOUT_CODES.has(code))) {
            throw new LoadBalancerError('timeout', `Octavia did not answer ${call.what} within ${call.timeoutMs} ms`);
        }

        throw new LoadBalancerError('network', `Octavia unreachable (${call.what}): ${(err as Error).message}${code === null ? '' : ` (${code})`}`);
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
