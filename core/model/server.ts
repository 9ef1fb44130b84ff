// A server as Nova shows it, and why a call to Nova failed: the words the
// converger plans with. Compute adapters throw ComputeError; nothing else escapes.
import type { ComputeErrorKind } from './activity';

export type { ComputeErrorKind } from './activity';

export interface NovaServer {
    readonly id: string;
    readonly name: string;
    readonly status: string;              // BUILD | ACTIVE | ERROR | SHUTOFF | DELETED | ... as Nova says
    readonly taskState: string | null;    // e.g. 'deleting'
    readonly metadata: Readonly<Record<string, string>>;
    readonly created: Date;
}

export class ComputeError extends Error {
    constructor(
        readonly kind: ComputeErrorKind,
        message: string,
        readonly status: number | null = null,
        readonly retryAfterS: number | null = null
    ) {
        super(message);
        this.name = 'ComputeError';
    }
}
