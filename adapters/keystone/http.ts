// One HTTP exchange with Keystone, read to the end, under a deadline. Keystone
// that cannot be reached, or does not answer in time, is 'unavailable'.
import { DomainError } from '../../core/model/errors';
import { DeadlinePassed, headerOf, type Answer, type Exchange } from '../http/exchange';
import { type Meter, meteredExchange } from '../http/meter';

export type KeystoneCall = Exchange & {
    readonly method: 'GET' | 'POST';
    readonly route: string;                // '/auth/tokens', the path template the meter is told
    readonly meter?: Meter | undefined;
};
export type KeystoneAnswer = Answer;
export { headerOf };

export const identityUnavailable = (message: string, details: Record<string, unknown> = {}): DomainError =>
    new DomainError('unavailable', 'IdentityUnavailable', message, details);

export const keystoneCall = async (call: KeystoneCall): Promise<KeystoneAnswer> => {
    try {
        return await meteredExchange(call, call.meter, call.route);
    }
    catch (err) {
        if (err instanceof DeadlinePassed) {
            throw identityUnavailable(`Keystone did not answer ${call.method} ${call.url} within ${call.timeoutMs} ms`, { timeoutMs: call.timeoutMs });
        }

        throw identityUnavailable(`Keystone unreachable (${call.method} ${call.url}): ${(err as Error).message}`);
    }
};

// Keystone's own words from an error body, for the operator's log.
export const keystoneMessage = (answer: KeystoneAnswer): string => {
    const json = answer.json;
    if (typeof json === 'object' && json !== null && 'error' in json) {
        const error: unknown = json.error;
        if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
            return error.message;
        }
    }

    return answer.text.slice(0, 200);
};
