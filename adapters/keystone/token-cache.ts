// Validated customer tokens, kept until a deadline, bounded in size. Keyed by
// the token's SHA-256 so a heap dump or a debug print never shows a live token.
import { createHash } from 'node:crypto';

export const tokenKey = (token: string): string => createHash('sha256').update(token).digest('hex');

export class TokenCache<V> {
    private readonly entries = new Map<string, { readonly value: V; readonly until: number }>();

    constructor(readonly maxEntries: number) {
        if (!Number.isInteger(maxEntries) || maxEntries < 1) {
            throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
        }
    }

    get size(): number {
        return this.entries.size;
    }

    keys(): string[] {
        return [...this.entries.keys()];
    }

    get(key: string, nowMs: number): V | undefined {
        const entry = this.entries.get(key);
        if (entry === undefined) {
            return undefined;
        }

        if (nowMs >= entry.until) {
            this.entries.delete(key);
            return undefined;
        }

        return entry.value;
    }

    set(key: string, value: V, untilMs: number): void {
        this.entries.delete(key);         // re-inserted last: the Map's order is the age order
        this.entries.set(key, { value, until: untilMs });
        for (const oldest of this.entries.keys()) {
            if (this.entries.size <= this.maxEntries) {
                break;
            }

            this.entries.delete(oldest);
        }
    }
}
