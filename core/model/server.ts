// A server as Nova shows it, and why a call to Nova failed: the words the
// converger plans with. Compute adapters throw ComputeError; nothing else escapes.
import type { ComputeErrorKind } from './activity';

export type { ComputeErrorKind } from './activity';

// One of a server's addresses, under the name of its network as Nova lists it.
export interface ServerAddress {
    readonly network: string;
    readonly addr: string;
    readonly version: 4 | 6;
    readonly type: 'fixed' | 'floating' | null;   // null: Nova did not say
}

export interface NovaServer {
    readonly id: string;
    readonly name: string;
    readonly status: string;              // BUILD | ACTIVE | ERROR | SHUTOFF | DELETED | ... as Nova says
    readonly taskState: string | null;    // e.g. 'deleting'
    readonly metadata: Readonly<Record<string, string>>;
    readonly created: Date;
    readonly addresses: readonly ServerAddress[];
}

// The address a load balancer's member or a workflow reaches the server at:
// its first fixed IPv4, on `network` when one is named (contract §7).
export const fixedIPv4 = (server: Pick<NovaServer, 'addresses'>, network?: string): string | null =>
    server.addresses.find((a) => a.version === 4 && a.type !== 'floating' && (network === undefined || a.network === network))?.addr ?? null;

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
