// A webhook URL checked when a group's workflow is written (contract §7: 400
// naming `url`): the scheme, no credentials in it, and every address its host
// stands for. deliver.ts checks again on every connection, since what a name
// resolves to can change after this check.
import { lookup as dnsLookup } from 'node:dns/promises';
import { badRequest, type DomainError } from '../../core/model/errors';
import { type AddressPolicy, parseAddress, refusalOf } from './address-policy';

export interface ResolvedAddress {
    readonly address: string;
    readonly family: number;
}

// Resolves a host name to all its addresses; injectable so tests (and a host
// with its own resolver) decide what a name means.
export type Lookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export type UrlCheck =
    | { readonly ok: true; readonly url: URL }
    | { readonly ok: false; readonly kind: 'invalid' | 'refused' | 'unresolved'; readonly reason: string };

// The host as the checks see it: a literal address, or a name to resolve.
export type Host =
    | { readonly kind: 'address'; readonly text: string }
    | { readonly kind: 'name'; readonly text: string };

type Shape = { readonly ok: true; readonly url: URL; readonly host: Host } | Extract<UrlCheck, { ok: false }>;

// What can be said without a lookup: scheme, credentials, a literal address.
export const checkUrlShape = (text: string, policy: AddressPolicy): Shape => {
    let url: URL;
    try {
        url = new URL(text);
    }
    catch {
        return { ok: false, kind: 'invalid', reason: 'is not a URL' };
    }

    if (url.protocol === 'http:' && !policy.allowHttp) {
        return { ok: false, kind: 'refused', reason: 'must use https: http is not allowed here' };
    }

    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        return { ok: false, kind: 'invalid', reason: 'must use https' };
    }

    // A user name or password in the URL would be sent (and shown) with it.
    if (url.username !== '' || url.password !== '') {
        return { ok: false, kind: 'invalid', reason: 'must not carry a user name or password' };
    }

    // The URL parser has already made 0x7f.1 or 2130706433 into 127.0.0.1.
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const address = parseAddress(hostname);
    if (address === null) {
        return { ok: true, url, host: { kind: 'name', text: hostname } };
    }

    const refusal = refusalOf(address, policy);
    return refusal === null
        ? { ok: true, url, host: { kind: 'address', text: hostname } }
        : { ok: false, kind: 'refused', reason: `host ${hostname} is a ${refusal} address` };
};

// localhost is loopback by definition (RFC 6761), whatever a resolver says.
const isLocalhostName = (name: string): boolean => {
    const bare = name.endsWith('.') ? name.slice(0, -1) : name;
    return bare === 'localhost' || bare.endsWith('.localhost');
};

const loopbackAllowed = (policy: AddressPolicy): boolean =>
    ['127.0.0.1', '::1'].some((text) => refusalOf(parseAddress(text) as NonNullable<ReturnType<typeof parseAddress>>, policy) === null);

// Every address a name resolves to must be allowed: a client may connect to any of them.
export const checkResolved = (hostname: string, addresses: readonly ResolvedAddress[], policy: AddressPolicy): string | null => {
    for (const { address } of addresses) {
        const parsed = parseAddress(address);
        if (parsed === null) {
            return `host ${hostname} resolves to ${address}, which is not an IP address`;
        }

        const refusal = refusalOf(parsed, policy);
        if (refusal !== null) {
            return `host ${hostname} resolves to ${address}, a ${refusal} address`;
        }
    }

    return null;
};

export const checkWebhookUrl = async (text: string, policy: AddressPolicy, lookup: Lookup = systemLookup): Promise<UrlCheck> => {
    const shape = checkUrlShape(text, policy);
    if (!shape.ok || shape.host.kind === 'address') {
        return shape.ok ? { ok: true, url: shape.url } : shape;
    }

    const name = shape.host.text;
    if (isLocalhostName(name) && !loopbackAllowed(policy)) {
        return { ok: false, kind: 'refused', reason: `host ${name} is a loopback name` };
    }

    let addresses: readonly ResolvedAddress[];
    try {
        addresses = await lookup(name);
    }
    catch (err) {
        const code = (err as { code?: unknown }).code;
        return { ok: false, kind: 'unresolved', reason: `host ${name} does not resolve${typeof code === 'string' ? ` (${code})` : ''}` };
    }

    if (addresses.length === 0) {
        return { ok: false, kind: 'unresolved', reason: `host ${name} does not resolve` };
    }

    const refusal = checkResolved(name, addresses, policy);
    return refusal === null ? { ok: true, url: shape.url } : { ok: false, kind: 'refused', reason: refusal };
};

// The 400 the contract asks for, naming the field.
export const urlRefusal = (check: Extract<UrlCheck, { ok: false }>, field = 'url'): DomainError =>
    badRequest(field, `${field} ${check.reason}`);
