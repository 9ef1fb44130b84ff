// The SSRF guard at connect time (contract §7: "again on every connection,
// against the address actually connected to"). An undici Agent whose connector
// 1. refuses a literal address before dialling it (no lookup runs for those),
// 2. dials a name only through a lookup that checks every address it returns
//    and hands the socket exactly those checked addresses, so a name that
//    re-resolves to loopback after the PUT check (DNS rebinding) is refused
//    before the TCP connect, with no second lookup for it to slip through, and
// 3. checks the socket's remote address once connected, before a byte of the
//    request is written, in case anything above was bypassed.
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { type AddressPolicy, parseAddress, refusalOf } from './address-policy';
import { checkResolved, type Lookup } from './url-check';

// What a refused address fails a connection with; deliver.ts knows it by class.
export class AddressRefused extends Error {
    readonly code = 'E_AUTOSCALE_ADDRESS_REFUSED';

    constructor(readonly reason: string) {
        super(`address refused: ${reason}`);
        this.name = 'AddressRefused';
    }
}

const wantedFamily = (family: LookupOptions['family']): 4 | 6 | null =>
    family === 4 || family === 'IPv4' ? 4 : family === 6 || family === 'IPv6' ? 6 : null;

const notFound = (hostname: string): NodeJS.ErrnoException =>
    Object.assign(new Error(`host ${hostname} does not resolve`), { code: 'ENOTFOUND', hostname });

// net.connect's `lookup`, over our promise-shaped one. Node asks with
// all: true when it races IPv4 and IPv6 (autoSelectFamily), else for one address.
export const checkedLookup = (policy: AddressPolicy, lookup: Lookup): LookupFunction => (hostname, options, callback) => {
    const answer = (addresses: readonly LookupAddress[]): void => {
        const refusal = checkResolved(hostname, addresses, policy);
        const family = wantedFamily(options.family);
        const usable = addresses.filter((a) => family === null || a.family === family);
        const first = usable[0];
        if (refusal !== null) {
            callback(new AddressRefused(refusal), '', 0);
        }
        else if (first === undefined) {
            callback(notFound(hostname), '', 0);
        }
        else if (options.all === true) {
            callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
        }
        else {
            callback(null, first.address, first.family);
        }
    };

    // The callback runs outside the promise chain: an exception inside net
    // must not turn into an unhandled rejection here.
    lookup(hostname).then(
        (addresses) => process.nextTick(answer, addresses),
        (err: NodeJS.ErrnoException) => process.nextTick(callback, err, '', 0)
    );
};

// The connected socket's peer; one with no readable address is refused too.
export const remoteRefusal = (remote: string | undefined, policy: AddressPolicy): string | null => {
    const parsed = parseAddress(remote ?? '');
    if (parsed === null) {
        return `connected to an address that cannot be checked (${remote ?? 'none'})`;
    }

    const what = refusalOf(parsed, policy);
    return what === null ? null : `connected to ${remote}, a ${what} address`;
};

// `base` is undici's own connector with the checked lookup; a test gives one
// that dials elsewhere to prove the remote-address check holds on its own.
export const guardedConnector = (
    policy: AddressPolicy,
    lookup: Lookup,
    connectTimeoutMs: number,
    base: buildConnector.connector = buildConnector({ lookup: checkedLookup(policy, lookup), timeout: connectTimeoutMs })
): buildConnector.connector => (options, callback) => {
    const literal = parseAddress(options.hostname);
    const literalRefusal = literal === null ? null : refusalOf(literal, policy);
    if (literalRefusal !== null) {
        callback(new AddressRefused(`host ${options.hostname} is a ${literalRefusal} address`), null);
        return;
    }

    base(options, (err, socket) => {
        if (err !== null) {
            callback(err, null);
            return;
        }

        const refusal = remoteRefusal(socket.remoteAddress, policy);
        if (refusal !== null) {
            socket.destroy();
            callback(new AddressRefused(refusal), null);
            return;
        }

        callback(null, socket);
    });
};

// One Agent per attempt by default: nothing of one delivery's connection
// outlives it. The delivery loop shares one with `connections` per origin:
// every connection is still checked when it is made, and a kept-alive one
// goes only to the address checked then.
export const guardedAgent = (policy: AddressPolicy, lookup: Lookup, timeoutMs: number, connections = 1): Agent =>
    new Agent({
        connect: guardedConnector(policy, lookup, timeoutMs),
        connections,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs
    });
