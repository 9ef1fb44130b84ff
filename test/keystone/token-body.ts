import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { pickEndpoint } from '../../adapters/keystone/catalog';
import { parseKeystoneTime, parseTokenBody } from '../../adapters/keystone/token-body';
import { CATALOG, tokenBody } from '../nova/fixtures';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('Keystone token bodies', () => {

    it('reads Keystone\'s times: microseconds, and UTC when no zone is written', () => {
        expect(parseKeystoneTime('2026-11-25T13:13:08.123456Z')?.toISOString()).to.equal('2026-11-25T13:13:08.123Z');
        expect(parseKeystoneTime('2026-11-25T13:13:08.000000')?.toISOString()).to.equal('2026-11-25T13:13:08.000Z');
        expect(parseKeystoneTime('2026-11-25T15:13:08+02:00')?.toISOString()).to.equal('2026-11-25T13:13:08.000Z');
        expect(parseKeystoneTime('tomorrow')).to.be.null();
    });

    it('turns the catalog into typed endpoints and names what is wrong otherwise', () => {
        const body = parseTokenBody(tokenBody({ catalog: CATALOG }));
        expect(body).to.not.be.a.string();
        const catalog = typeof body === 'string' ? [] : body.catalog;
        expect(catalog[1]?.endpoints[0]).to.equal({ interface: 'internal', url: 'http://nova-internal.test:8774/v2.1', region: 'RegionOne', regionId: 'RegionOne' });

        expect(parseTokenBody(null)).to.contain('"value" must be of type object');
        expect(parseTokenBody({ token: { user: { id: 'u' }, expires_at: 'soon' } })).to.contain('expires_at is not a time');
    });

    it('picks an endpoint in any region when none is asked for', () => {
        expect(pickEndpoint(CATALOG, { serviceType: 'compute', interface: 'public' })).to.equal('http://nova-one.test:8774/v2.1');
        expect(pickEndpoint(CATALOG, { serviceType: 'image', interface: 'public' })).to.be.null();
    });
});
