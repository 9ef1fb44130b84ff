// A database that cannot be reached is an outage, not a bug: the store's
// ports say so with DomainError('unavailable'), which the API answers 503
// with Retry-After (contract §4), and nothing half-done is accepted.
import { DomainError } from '../../core/model/errors';

// Socket errors, and PostgreSQL's connection-exception and shutdown classes
// (08xxx, 57P01-57P03) and "too many connections" (53300).
const CODES = new Set([
    'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN',
    '57P01', '57P02', '57P03', '53300'
]);

const MESSAGES = /Connection terminated|Client has encountered a connection error|Unable to acquire a connection|Timeout acquiring a connection/i;

export const unreachable = (err: unknown): boolean => {
    if (!(err instanceof Error)) {
        return false;
    }

    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (CODES.has(code) || code.startsWith('08'))) {
        return true;
    }

    // Node reports a refused connection to every address of a name as one AggregateError.
    if (err instanceof AggregateError && err.errors.some(unreachable)) {
        return true;
    }

    return err.name === 'KnexTimeoutError' || MESSAGES.test(err.message);
};

export const databaseUnavailable = (): DomainError =>
    new DomainError('unavailable', 'ServiceUnavailableError', 'The database cannot be reached; try again shortly');

const said = (err: unknown): unknown => (unreachable(err) ? databaseUnavailable() : err);

const isThenable = (value: unknown): value is Promise<unknown> =>
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

// Each method of a port, with an unreachable database said as such; a
// method that hands back a table of its own (a trigger table) has it guarded too.
export const guardReach = <T extends object>(port: T): T => {
    const guarded: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(port)) {
        guarded[name] = typeof value !== 'function' ? value : (...args: unknown[]): unknown => {
            let result: unknown;
            try {
                result = (value as (...a: unknown[]) => unknown)(...args);
            }
            catch (err) {
                throw said(err);
            }

            if (isThenable(result)) {
                return result.catch((err: unknown) => {
                    throw said(err);
                });
            }

            return typeof result === 'object' && result !== null ? guardReach(result) : result;
        };
    }

    return guarded as T;
};
