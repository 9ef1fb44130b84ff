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

// An IPv4 address as a number; null when it is not one.
const ipv4 = (text: string): number | null => {
    const parts = text.split('.');
    const octets = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
    return octets.length === 4 && octets.every((o) => o <= 255) ? octets.reduce((n, o) => n * 256 + o, 0) : null;
};

// Whether `address` lies in the IPv4 `cidr` (a.b.c.d/n).
export const inCidr = (address: string, cidr: string): boolean => {
    const match = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
    const [a, b, n] = [ipv4(address), ipv4(String(match?.[1])), Number(match?.[2])];
    if (a === null || b === null || !(n <= 32)) {
        return false;
    }

    const size = 2 ** (32 - n);
    return Math.floor(a / size) === Math.floor(b / size);
};

// The server's fixed IPv4 in a subnet (a member naming its subnetId), by the subnet's CIDR.
export const fixedIPv4In = (server: Pick<NovaServer, 'addresses'>, cidr: string): string | null =>
    server.addresses.find((a) => a.version === 4 && a.type !== 'floating' && inCidr(a.addr, cidr))?.addr ?? null;

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
