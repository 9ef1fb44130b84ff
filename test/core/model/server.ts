// Where a server is reached (core/model/server.ts fixedIPv4): its first
// fixed IPv4, on the network named when one is, or in a subnet's CIDR.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { fixedIPv4, fixedIPv4In, inCidr, type ServerAddress } from '../../../core/model/server';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const address = (network: string, addr: string, version: 4 | 6 = 4, type: ServerAddress['type'] = 'fixed'): ServerAddress => ({ network, addr, version, type });

describe('fixedIPv4', () => {

    const addresses = [address('a', 'fd00::1', 6), address('a', '203.0.113.1', 4, 'floating'), address('a', '10.0.0.1'), address('b', '10.1.0.1', 4, null)];

    it('is the first fixed IPv4, neither IPv6 nor floating; an address of unknown type counts as fixed', () => {
        expect(fixedIPv4({ addresses })).to.equal('10.0.0.1');
        expect(fixedIPv4({ addresses }, 'b')).to.equal('10.1.0.1');
    });

    it('is null when there is none (on that network)', () => {
        expect(fixedIPv4({ addresses }, 'c')).to.be.null();
        expect(fixedIPv4({ addresses: [address('a', 'fd00::1', 6)] })).to.be.null();
    });
});

describe('inCidr and fixedIPv4In', () => {

    it('tells an IPv4 address inside a CIDR from one outside, and anything unreadable from both', () => {
        const rows: [string, string, boolean][] = [
            ['10.20.0.5', '10.20.0.0/16', true], ['10.21.0.5', '10.20.0.0/16', false], ['192.168.1.1', '0.0.0.0/0', true], ['10.0.0.1', '10.0.0.1/32', true],
            ['10.0.0.2', '10.0.0.1/32', false], ['fd00::1', '10.0.0.0/8', false], ['10.0.0.256', '10.0.0.0/8', false], ['10.0.0.1', '10.0.0.0', false],
            ['10.0.0.1', '10.0.0.0/33', false], ['10.0.0.1', 'fd00::/64', false], ['10.0.0.1', '10.0.0.0/x', false]
        ];
        expect(rows.map(([addr, cidr]) => inCidr(addr, cidr))).to.equal(rows.map((r) => r[2]));
    });

    it('is the server\'s fixed IPv4 in the subnet, never a floating one, or null', () => {
        const addresses = [address('a', 'fd00::1', 6), address('a', '203.0.113.9', 4, 'floating'), address('a', '10.0.0.1'), address('b', '10.1.0.1')];
        expect(fixedIPv4In({ addresses }, '10.1.0.0/16')).to.equal('10.1.0.1');
        expect(fixedIPv4In({ addresses }, '203.0.113.0/24')).to.be.null();
    });
});
