// Where a customer webhook may go (contract §7 "Where it may go"): which IP
// addresses are refused, and the operator's policy that lets some back in.
// Pure: no lookups, no sockets. url-check.ts and deliver.ts apply it.
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

// An address as a number: 32 bits for IPv4, 128 for IPv6.
export interface Address {
    readonly family: Family;
    readonly value: bigint;
}

export interface Cidr {
    readonly family: Family;
    readonly base: bigint;                 // host bits cleared
    readonly prefix: number;
}

export interface AddressPolicy {
    readonly allowHttp: boolean;
    readonly allowCidrs: readonly Cidr[];  // forbidden addresses inside one of these are allowed
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const bitsOf = (family: Family): number => (family === 4 ? 32 : 128);

const parseIPv4 = (text: string): bigint =>
    text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);

// Caller has checked the text with isIPv6; the zone (fe80::1%eth0) names an
// interface, not a different address, so it is dropped.
const parseIPv6 = (text: string): bigint => {
    const unzoned = text.split('%')[0];
    // A trailing dotted quad (::ffff:127.0.0.1) is the last two words.
    const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(unzoned);
    const hex = dotted === null ? unzoned : `${unzoned.slice(0, dotted.index)}${wordsOfIPv4(dotted[1])}`;

    const halves = hex.split('::');
    const words = (part: string): string[] => (part === '' ? [] : part.split(':'));
    const left = words(halves[0]);
    const right = halves.length === 2 ? words(halves[1]) : [];
    const zeros = Array<string>(8 - left.length - right.length).fill('0');
    return [...left, ...zeros, ...right].reduce((acc, word) => (acc << 16n) | BigInt(parseInt(word, 16)), 0n);
};

const wordsOfIPv4 = (text: string): string => {
    const v4 = parseIPv4(text);
    return `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
};

// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address on the wire:
// it is judged as that IPv4 address, so a mapped loopback is a loopback.
const normalise = (address: Address): Address =>
    address.family === 6 && address.value >> 32n === 0xffffn
        ? { family: 4, value: address.value & 0xffffffffn }
        : address;

// A literal address (as in a URL host without brackets, or as a resolver
// returns it), or null when the text is not one.
export const parseAddress = (text: string): Address | null => {
    if (isIPv4(text)) {
        return { family: 4, value: parseIPv4(text) };
    }

    if (isIPv6(text)) {
        return normalise({ family: 6, value: parseIPv6(text) });
    }

    return null;
};

// "10.1.0.0/16", "fc00::/7", or one address ("127.0.0.1" means /32). Host
// bits below the prefix are cleared: "10.1.2.3/16" is 10.1.0.0/16.
export const parseCidr = (text: string): Parsed<Cidr> => {
    const trimmed = text.trim();
    const parts = trimmed.split('/');
    if (parts.length > 2) {
        return { ok: false, reason: `"${trimmed}" has more than one "/"` };
    }

    const [addressText, prefixText] = parts;
    const family: Family | null = isIPv4(addressText) ? 4 : isIPv6(addressText) && !addressText.includes('%') ? 6 : null;
    if (family === null) {
        return { ok: false, reason: `"${trimmed}" does not start with an IPv4 or IPv6 address` };
    }

    const bits = bitsOf(family);
    if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) {
        return { ok: false, reason: `"${trimmed}" has a prefix length that is not a number` };
    }

    const prefix = prefixText === undefined ? bits : Number(prefixText);
    if (prefix > bits) {
        return { ok: false, reason: `"${trimmed}" has a prefix length over ${bits}` };
    }

    const value = family === 4 ? parseIPv4(addressText) : parseIPv6(addressText);
    // ::ffff:127.0.0.1/128 is written for the mapped form, and mapped forms
    // are judged as IPv4: keep it as the IPv4 block it covers.
    if (family === 6 && prefix >= 96 && value >> 32n === 0xffffn) {
        return { ok: true, value: cidrOf(4, value & 0xffffffffn, prefix - 96) };
    }

    return { ok: true, value: cidrOf(family, value, prefix) };
};

const cidrOf = (family: Family, value: bigint, prefix: number): Cidr => {
    const shift = BigInt(bitsOf(family) - prefix);
    return { family, base: (value >> shift) << shift, prefix };
};

// The env form, AUTOSCALE_WEBHOOK_ALLOW_CIDRS="10.1.0.0/16, 127.0.0.1/32", or
// the option's array. Empty entries (a trailing comma) are skipped; a bad
// entry fails the whole list, named by its position and text, so a typo never
// silently allows less or more than the operator meant.
export const parseCidrList = (text: string | readonly string[]): Parsed<readonly Cidr[]> => {
    const entries = typeof text === 'string' ? text.split(',') : text;
    const cidrs: Cidr[] = [];
    for (const [index, entry] of entries.entries()) {
        if (entry.trim() === '') {
            continue;
        }

        const parsed = parseCidr(entry);
        if (!parsed.ok) {
            return { ok: false, reason: `allowCidrs entry ${index + 1}: ${parsed.reason}` };
        }

        cidrs.push(parsed.value);
    }

    return { ok: true, value: cidrs };
};

// The policy from options or env strings (AUTOSCALE_WEBHOOK_ALLOW_HTTP=true).
export const parsePolicy = (input: { readonly allowHttp?: boolean | string | undefined; readonly allowCidrs?: string | readonly string[] | undefined }): Parsed<AddressPolicy> => {
    const allowHttp = parseFlag(input.allowHttp);
    if (allowHttp === null) {
        return { ok: false, reason: `allowHttp must be true or false, not "${String(input.allowHttp)}"` };
    }

    const cidrs = parseCidrList(input.allowCidrs ?? []);
    return cidrs.ok ? { ok: true, value: { allowHttp, allowCidrs: cidrs.value } } : cidrs;
};

const parseFlag = (value: boolean | string | undefined): boolean | null => {
    if (typeof value !== 'string') {
        return value ?? false;
    }

    const word = value.trim().toLowerCase();
    return word === 'true' ? true : word === 'false' || word === '' ? false : null;
};

// The default: https only, every refused range refused.
export const strictPolicy: AddressPolicy = { allowHttp: false, allowCidrs: [] };

export const contains = (cidr: Cidr, address: Address): boolean => {
    if (cidr.family !== address.family) {
        return false;
    }

    const shift = BigInt(bitsOf(cidr.family) - cidr.prefix);
    return address.value >> shift === cidr.base >> shift;
};

const block = (text: string): Cidr => (parseCidr(text) as { readonly value: Cidr }).value;

// The refused ranges, each with the word a refusal gives.
const refusedRanges: readonly { readonly cidr: Cidr; readonly what: string }[] = [
    { cidr: block('0.0.0.0/8'), what: 'unspecified' },
    { cidr: block('127.0.0.0/8'), what: 'loopback' },
    { cidr: block('169.254.0.0/16'), what: 'link-local' },       // incl. 169.254.169.254, the metadata service
    { cidr: block('10.0.0.0/8'), what: 'private' },
    { cidr: block('172.16.0.0/12'), what: 'private' },
    { cidr: block('192.168.0.0/16'), what: 'private' },
    { cidr: block('100.64.0.0/10'), what: 'private' },           // carrier-grade NAT: a provider's inside
    { cidr: block('224.0.0.0/4'), what: 'multicast' },
    { cidr: block('240.0.0.0/4'), what: 'reserved' },            // incl. 255.255.255.255, the broadcast
    { cidr: block('::/128'), what: 'unspecified' },
    { cidr: block('::1/128'), what: 'loopback' },
    { cidr: block('fe80::/10'), what: 'link-local' },
    { cidr: block('fec0::/10'), what: 'private' },               // site-local: deprecated, still private where used
    { cidr: block('fc00::/7'), what: 'private' },
    { cidr: block('ff00::/8'), what: 'multicast' }
];

// IPv6 forms that carry an IPv4 address a gateway may forward to: judged by
// that IPv4 address as well as by themselves.
const embeddings: readonly { readonly cidr: Cidr; readonly v4: (value: bigint) => bigint }[] = [
    { cidr: block('::/96'), v4: (v) => v & 0xffffffffn },            // IPv4-compatible (deprecated)
    { cidr: block('64:ff9b::/96'), v4: (v) => v & 0xffffffffn },     // NAT64, well-known prefix
    { cidr: block('2002::/16'), v4: (v) => (v >> 80n) & 0xffffffffn } // 6to4
];

const formsOf = (address: Address): Address[] => {
    // :: and ::1 are IPv6's own unspecified and loopback, not IPv4-compatible forms.
    if (address.family === 4 || address.value < 2n) {
        return [address];
    }

    return [address, ...embeddings.filter((e) => contains(e.cidr, address)).map((e): Address => ({ family: 4, value: e.v4(address.value) }))];
};

// Why the address is refused ("loopback", "private", ...), or null when it may
// be used: outside every refused range, or inside one of the policy's allowCidrs.
export const refusalOf = (address: Address, policy: AddressPolicy): string | null => {
    for (const form of formsOf(normalise(address))) {
        const hit = refusedRanges.find((range) => contains(range.cidr, form));
        if (hit !== undefined && !policy.allowCidrs.some((cidr) => contains(cidr, form))) {
            return hit.what;
        }
    }

    return null;
};

export const isForbidden = (address: Address, policy: AddressPolicy): boolean => refusalOf(address, policy) !== null;
