// One HTTP exchange with Nova, read to the end, under a deadline. No answer in
// time is 'timeout' (the request may have happened); failing to talk at all is
// 'network'. Statuses are left to the caller.
import { ComputeError } from '../../core/model/server';
import { DeadlinePassed, exchange, type Answer, type Exchange } from '../http/exchange';

export type NovaCall = Exchange & {
    readonly what: string;                 // 'POST /servers', for messages
};
export type NovaAnswer = Answer;

// undici's own timers, should a dispatcher with tighter ones be passed in.
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

export const novaCall = async (call: NovaCall): Promise<NovaAnswer> => {
    try {
        return await exchange(call);
    }
    catch (err) {
        const code = errorCode(err);
        if (err instanceof DeadlinePassed || (code !== null && TIMEOUT_CODES.has(code))) {
            throw new ComputeError('timeout', `Nova did not answer ${call.what} within ${call.timeoutMs} ms`);
        }

        throw new ComputeError('network', `Nova unreachable (${call.what}): ${(err as Error).message}${code === null ? '' : ` (${code})`}`);
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
