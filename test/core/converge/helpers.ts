// The converger's pure helpers: the create request it sends and the
// kill-switch mode it obeys.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { serverRequest } from '../../../core/converge/observe';
import { modeInForce, type KillSwitch } from '../../../core/model/kill-switch';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const now = new Date('2030-01-01T12:00:00Z');
const ks = (scope: KillSwitch['scope'], mode: KillSwitch['mode'], expiresAt: Date | null = null): KillSwitch => ({ scope, mode, reason: 'r', who: 'w', expiresAt });

describe('converger helpers', () => {

    it('sends args.server as given, with the name suffix and our metadata added (ours win)', () => {
        const intentId = '0a1b2c3d-4e5f-4000-8000-000000000000';
        const launch = { name: 'web', flavorRef: '1', networks: 'auto', user_data: 'eA==', metadata: { team: 'x', 'autoscale:group_id': 'forged' } };
        expect(serverRequest(launch, 'g1', intentId)).to.equal({
            name: 'web-as0a1b2c3d', flavorRef: '1', networks: 'auto', user_data: 'eA==',
            metadata: { team: 'x', 'autoscale:group_id': 'g1', 'autoscale:intent_id': intentId }
        });
        expect(serverRequest({ flavorRef: '1' }, 'g1', intentId)).to.include({ name: 'server-as0a1b2c3d' });
        expect(launch.metadata['autoscale:group_id']).to.equal('forged');   // the launch config itself is not changed
    });

    it('obeys the strongest live kill-switch of its region or global', () => {
        const cases: [KillSwitch[], string | null, ReturnType<typeof modeInForce>][] = [
            [[], 'r1', 'none'],
            [[ks({ kind: 'global' }, 'scale-up')], 'r1', 'scale-up'],
            [[ks({ kind: 'region', region: 'r2' }, 'all')], 'r1', 'none'],
            [[ks({ kind: 'region', region: 'r1' }, 'all')], 'r1', 'all'],
            [[ks({ kind: 'global' }, 'scale-up'), ks({ kind: 'region', region: 'r1' }, 'all')], 'r1', 'all'],
            [[ks({ kind: 'global' }, 'all', now)], 'r1', 'none'],                                     // expired at exactly now
            [[ks({ kind: 'global' }, 'all', new Date(now.getTime() + 1))], null, 'all']
        ];
        for (const [switches, region, mode] of cases) {
            expect(modeInForce(switches, region, now), JSON.stringify(switches)).to.equal(mode);
        }
    });
});
