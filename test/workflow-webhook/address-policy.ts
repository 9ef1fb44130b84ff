// Which addresses a webhook may reach (contract §7 "Where it may go"), as tables.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { type AddressPolicy, isForbidden, parseAddress, parseCidr, parseCidrList, parsePolicy, refusalOf, strictPolicy } from '../../adapters/workflow-webhook/address-policy';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const policyOf = (allowHttp: boolean, ...cidrs: string[]): AddressPolicy => {
    const parsed = parsePolicy({ allowHttp, allowCidrs: cidrs });
    expect(parsed.ok).to.be.true();
    return (parsed as { value: AddressPolicy }).value;
};

const refusal = (text: string, policy = strictPolicy): string | null => {
    const address = parseAddress(text);
    expect(address, text).to.not.be.null();
    return refusalOf(address as NonNullable<typeof address>, policy);
};

describe('refusalOf', () => {
    const table: readonly [string, string | null][] = [
        ['127.0.0.1', 'loopback'],
        ['127.255.255.254', 'loopback'],
        ['::1', 'loopback'],
        ['::ffff:127.0.0.1', 'loopback'],          // IPv4-mapped: judged as the IPv4 address
        ['::ffff:7f00:1', 'loopback'],             // the same, as the URL parser writes it
        ['::127.0.0.1', 'loopback'],               // IPv4-compatible
        ['64:ff9b::7f00:1', 'loopback'],           // NAT64 of 127.0.0.1
        ['2002:a00:1::1', 'private'],              // 6to4 of 10.0.0.1
        ['169.254.169.254', 'link-local'],
        ['fe80::1', 'link-local'],
        ['fe80::1%eth0', 'link-local'],
        ['febf:ffff::1', 'link-local'],            // the top of fe80::/10
        ['fec0::1', 'private'],
        ['10.0.0.1', 'private'],
        ['172.16.0.1', 'private'],
        ['172.31.255.255', 'private'],
        ['192.168.1.1', 'private'],
        ['100.64.0.1', 'private'],
        ['100.127.255.255', 'private'],
        ['fc00::1', 'private'],
        ['fd12:3456::1', 'private'],
        ['0.0.0.0', 'unspecified'],
        ['0.1.2.3', 'unspecified'],
        ['::', 'unspecified'],
        ['224.0.0.1', 'multicast'],
        ['239.255.255.250', 'multicast'],
        ['ff02::1', 'multicast'],
        ['255.255.255.255', 'reserved'],
        // Public neighbours of the ranges: each one bit outside.
        ['172.15.255.255', null],
        ['172.32.0.0', null],
        ['100.63.255.255', null],
        ['100.128.0.0', null],
        ['169.253.255.255', null],
        ['126.255.255.255', null],
        ['128.0.0.0', null],
        ['223.255.255.255', null],
        ['11.0.0.0', null],
        ['192.167.255.255', null],
        ['fbff:ffff::1', null],
        ['fe00::1', null],
        ['8.8.8.8', null],
        ['93.184.216.34', null],
        ['2001:4860:4860::8888', null],
        ['64:ff9b::808:808', null],                // NAT64 of 8.8.8.8
        ['::ffff:8.8.8.8', null]
    ];

    for (const [text, expected] of table) {
        it(`${text} → ${expected ?? 'allowed'}`, () => {
            expect(refusal(text)).to.equal(expected);
            expect(isForbidden(parseAddress(text) as NonNullable<ReturnType<typeof parseAddress>>, strictPolicy)).to.equal(expected !== null);
        });
    }

    it('allowCidrs lets a forbidden address back in, and only the addresses inside', () => {
        const policy = policyOf(false, '10.1.0.0/16', '127.0.0.1/32', 'fd00::/8');
        expect(refusal('10.1.2.3', policy)).to.be.null();
        expect(refusal('10.2.0.1', policy)).to.equal('private');
        expect(refusal('127.0.0.1', policy)).to.be.null();
        expect(refusal('127.0.0.2', policy)).to.equal('loopback');
        expect(refusal('::ffff:127.0.0.1', policy)).to.be.null();   // mapped is the same address
        expect(refusal('::1', policy)).to.equal('loopback');         // IPv6 loopback is another one
        expect(refusal('fd00::5', policy)).to.be.null();
        expect(refusal('fc00::5', policy)).to.equal('private');
    });

    it('an embedded IPv4 address is allowed through its own CIDR, not the IPv6 wrapper', () => {
        expect(refusal('64:ff9b::7f00:1', policyOf(false, '127.0.0.1/32'))).to.be.null();
        expect(refusal('64:ff9b::7f00:1', policyOf(false, '64:ff9b::/96'))).to.equal('loopback');
    });

    it('::1 allowed by its CIDR is not refused as the IPv4-compatible 0.0.0.1', () => {
        expect(refusal('::1', policyOf(false, '::1/128'))).to.be.null();
    });
});

describe('parseAddress', () => {
    it('reads both families and refuses anything else', () => {
        expect(parseAddress('10.0.0.1')).to.equal({ family: 4, value: 0x0a000001n });
        expect(parseAddress('1:2:3:4:5:6:7:8')).to.equal({ family: 6, value: 0x00010002000300040005000600070008n });
        expect(parseAddress('1::8')).to.equal({ family: 6, value: (1n << 112n) | 8n });
        expect(parseAddress('::ffff:10.0.0.1')).to.equal({ family: 4, value: 0x0a000001n });
        for (const text of ['example.com', '127.1', '010.0.0.1', '256.0.0.1', '[::1]', '1:2:3:4:5:6:7:8:9', '']) {
            expect(parseAddress(text), text).to.be.null();
        }
    });
});

describe('parseCidr', () => {
    it('clears host bits and takes a bare address as one host', () => {
        expect(parseCidr('10.1.2.3/16')).to.equal({ ok: true, value: { family: 4, base: 0x0a010000n, prefix: 16 } });
        expect(parseCidr(' 127.0.0.1 ')).to.equal({ ok: true, value: { family: 4, base: 0x7f000001n, prefix: 32 } });
        expect(parseCidr('fc00::/7')).to.equal({ ok: true, value: { family: 6, base: 0xfcn << 120n, prefix: 7 } });
        expect(parseCidr('0.0.0.0/0')).to.equal({ ok: true, value: { family: 4, base: 0n, prefix: 0 } });
    });

    it('a mapped CIDR is the IPv4 block it covers', () => {
        expect(parseCidr('::ffff:127.0.0.1/128')).to.equal({ ok: true, value: { family: 4, base: 0x7f000001n, prefix: 32 } });
        expect(parseCidr('::ffff:10.0.0.0/104')).to.equal({ ok: true, value: { family: 4, base: 0x0a000000n, prefix: 8 } });
    });

    it('says what is wrong with a bad one', () => {
        const cases: readonly [string, string][] = [
            ['10.0.0.0/8/8', 'more than one "/"'],
            ['10.0.0/8', 'does not start with an IPv4 or IPv6 address'],
            ['example.com/24', 'does not start with an IPv4 or IPv6 address'],
            ['fe80::1%eth0/64', 'does not start with an IPv4 or IPv6 address'],
            ['10.0.0.0/x', 'prefix length that is not a number'],
            ['10.0.0.0/', 'prefix length that is not a number'],
            ['10.0.0.0/-1', 'prefix length that is not a number'],
            ['10.0.0.0/33', 'prefix length over 32'],
            ['::/129', 'prefix length over 128']
        ];
        for (const [text, why] of cases) {
            const parsed = parseCidr(text);
            expect(parsed.ok, text).to.be.false();
            expect((parsed as { reason: string }).reason, text).to.contain(why);
        }
    });
});

describe('parseCidrList and parsePolicy', () => {
    it('reads the env form, spaces and a trailing comma allowed', () => {
        const parsed = parseCidrList('10.1.0.0/16, 127.0.0.1/32 ,fd00::/8,');
        expect(parsed.ok).to.be.true();
        expect((parsed as { value: readonly unknown[] }).value).to.have.length(3);
        expect(parseCidrList('')).to.equal({ ok: true, value: [] });
        expect(parseCidrList(['10.0.0.0/8'])).to.equal({ ok: true, value: [{ family: 4, base: 0x0a000000n, prefix: 8 }] });
    });

    it('names the bad entry by position and text', () => {
        expect(parseCidrList('10.1.0.0/16, 10.0.0.300/8')).to.equal({
            ok: false,
            reason: 'allowCidrs entry 2: "10.0.0.300/8" does not start with an IPv4 or IPv6 address'
        });
    });

    it('reads allowHttp from a boolean or the env word', () => {
        expect(parsePolicy({})).to.equal({ ok: true, value: strictPolicy });
        expect(parsePolicy({ allowHttp: true })).to.equal({ ok: true, value: { allowHttp: true, allowCidrs: [] } });
        expect(parsePolicy({ allowHttp: ' TRUE ' })).to.equal({ ok: true, value: { allowHttp: true, allowCidrs: [] } });
        expect(parsePolicy({ allowHttp: 'false', allowCidrs: '127.0.0.1' })).to.equal({ ok: true, value: { allowHttp: false, allowCidrs: [{ family: 4, base: 0x7f000001n, prefix: 32 }] } });
        expect(parsePolicy({ allowHttp: '' })).to.equal({ ok: true, value: strictPolicy });
        expect(parsePolicy({ allowHttp: 'yes' })).to.equal({ ok: false, reason: 'allowHttp must be true or false, not "yes"' });
        expect(parsePolicy({ allowCidrs: 'nope' }).ok).to.be.false();
    });
});
