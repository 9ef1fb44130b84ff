// What the webhook tests share: policies, the secret that must never leak,
// and a resolver the test scripts.
import { parseCidr, type AddressPolicy, type Cidr } from '../../adapters/workflow-webhook/address-policy';
import type { Lookup, ResolvedAddress } from '../../adapters/workflow-webhook/url-check';

export const cidr = (text: string): Cidr => {
    const parsed = parseCidr(text);
    if (!parsed.ok) {
        throw new Error(parsed.reason);
    }

    return parsed.value;
};

export const policyOf = (allowHttp: boolean, ...cidrs: string[]): AddressPolicy => ({ allowHttp, allowCidrs: cidrs.map(cidr) });

// The test receiver is on loopback: this lets a delivery reach it, and nothing else private.
export const loopbackPolicy = policyOf(true, '127.0.0.1/32');

// Long and distinctive, so finding it in a string is proof it leaked.
export const secret = 'whsec_3b1f0c9e7a6d4e21_do-not-leak_8f2a';

// A resolver the test controls: each name answers from its list, one answer
// per call (the last repeats), and every call is recorded.
export const scriptedLookup = (answers: Record<string, readonly (readonly string[])[]>): Lookup & { calls: string[] } => {
    const calls: string[] = [];
    const lookup = async (hostname: string): Promise<readonly ResolvedAddress[]> => {
        const list = answers[hostname];
        const n = calls.filter((c) => c === hostname).length;
        calls.push(hostname);
        if (list === undefined) {
            throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        }

        const addresses = list[Math.min(n, list.length - 1)] ?? [];
        return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };

    return Object.assign(lookup, { calls });
};
