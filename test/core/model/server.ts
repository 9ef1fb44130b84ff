// Where a server is reached (core/model/server.ts fixedIPv4): its first
// fixed IPv4, on the network named when one is.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { fixedIPv4, type ServerAddress } from '../../../core/model/server';

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
