// IPv4 arithmetic for the simulator's subnets. Addresses are numbers (0 to
// 2^32 - 1) so a subnet is a base and a size; no bit shifts, which would turn
// an address above 127.255.255.255 negative.

export interface Cidr {
    readonly base: number;     // the network address
    readonly prefix: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export const parseIpv4 = (text: string): number | null => {
    const parts = text.split('.');
    if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) {
        return null;
    }

    return parts.reduce((n, p) => n * 256 + Number(p), 0);
};

export const formatIpv4 = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

export const size = (cidr: Cidr): number => 2 ** (32 - cidr.prefix);

// 'a.b.c.d/n' with the host bits zero (Neutron refuses '10.0.0.1/24' too);
// null for anything else. A subnet needs room for a gateway and one host.
export const parseCidr = (text: string): Cidr | null => {
    const m = /^([\d.]+)\/(\d{1,2})$/.exec(text);
    const base = m ? parseIpv4(m[1] as string) : null;
    const prefix = Number(m?.[2]);
    if (base === null || prefix < 8 || prefix > 30 || base % 2 ** (32 - prefix) !== 0) {
        return null;
    }

    return { base, prefix };
};

export const formatCidr = (cidr: Cidr): string => `${formatIpv4(cidr.base)}/${cidr.prefix}`;

export const overlaps = (a: Cidr, b: Cidr): boolean => a.base < b.base + size(b) && b.base < a.base + size(a);

// OpenStack's MAC prefix (fa:16:3e) and 24 bits of a counter.
export const macAddress = (n: number): string => {
    const bytes = [Math.floor(n / 65536) % 256, Math.floor(n / 256) % 256, n % 256];
    return ['fa', '16', '3e', ...bytes.map((b) => b.toString(16).padStart(2, '0'))].join(':');
};
