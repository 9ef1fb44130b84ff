// Kill-switch scopes by name, the switch that stops a move, and the one that holds a group.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { holdingSwitch, holdWords, modeInForce, parseScope, scopeName, stoppingSwitch, type KillSwitch } from '../../../core/model/kill-switch';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const now = new Date('2030-01-01T12:00:00Z');
const ks = (scope: KillSwitch['scope'], mode: KillSwitch['mode'], expiresAt: Date | null = null): KillSwitch => ({ scope, mode, reason: 'r', who: 'w', expiresAt });

describe('kill-switch scopes', () => {

    it('names a scope and parses the name back', () => {
        for (const scope of [{ kind: 'global' as const }, { kind: 'region' as const, region: 'RegionOne' }, { kind: 'region' as const, region: 'r:with:colons' }]) {
            expect(parseScope(scopeName(scope))).to.equal(scope);
        }

        expect(scopeName({ kind: 'region', region: 'r1' })).to.equal('region:r1');
    });

    it('parses nothing else: no region, a region over 255 characters, another word', () => {
        for (const name of ['region:', `region:${'r'.repeat(256)}`, 'Global', 'regions:r1', 'r1', '']) {
            expect(parseScope(name), name).to.equal(null);
        }

        expect(parseScope(`region:${'r'.repeat(255)}`)).to.equal({ kind: 'region', region: 'r'.repeat(255) });
    });
});

describe('stoppingSwitch', () => {

    it('stops every move under `all`, only increases under `scale-up`, in its region or globally, until it expires', () => {
        const cases: [string, KillSwitch[], string | null, number, number, boolean][] = [
            ['none', [], 'r1', 1, 2, false],
            ['global all, down', [ks({ kind: 'global' }, 'all')], 'r1', 2, 1, true],
            ['global scale-up, up', [ks({ kind: 'global' }, 'scale-up')], 'r1', 1, 2, true],
            ['global scale-up, down', [ks({ kind: 'global' }, 'scale-up')], 'r1', 2, 1, false],
            ['global scale-up, no move', [ks({ kind: 'global' }, 'scale-up')], 'r1', 2, 2, false],
            ['its region', [ks({ kind: 'region', region: 'r1' }, 'all')], 'r1', 2, 1, true],
            ['another region', [ks({ kind: 'region', region: 'r2' }, 'all')], 'r1', 2, 1, false],
            ['a region switch, group without region', [ks({ kind: 'region', region: 'r1' }, 'all')], null, 2, 1, false],
            ['expired at exactly now', [ks({ kind: 'global' }, 'all', now)], 'r1', 2, 1, false],
            ['expires later', [ks({ kind: 'global' }, 'all', new Date(now.getTime() + 1))], 'r1', 2, 1, true]
        ];
        for (const [name, switches, region, before, after, stops] of cases) {
            expect(stoppingSwitch(switches, region, before, after, now), name).to.equal(stops ? switches[0] ?? null : null);
        }
    });

    it('answers the first switch that stops the move', () => {
        const regional = ks({ kind: 'region', region: 'r1' }, 'all');
        const global = ks({ kind: 'global' }, 'scale-up');
        expect(stoppingSwitch([ks({ kind: 'region', region: 'r2' }, 'all'), regional, global], 'r1', 1, 2, now)).to.shallow.equal(regional);
        expect(stoppingSwitch([global, regional], 'r1', 2, 1, now)).to.shallow.equal(regional);
    });
});

describe('modeInForce', () => {

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

describe('holdingSwitch and holdWords', () => {

    it('holds only when desired is not what is there, in the direction the switch stops, and says which way', () => {
        const all = ks({ kind: 'global' }, 'all');
        const up = ks({ kind: 'global' }, 'scale-up');
        expect(holdingSwitch([all], 'r1', 2, 2, now)).to.equal(null);     // `all` stops no move that is not one
        expect(holdingSwitch([all], 'r1', 2, 3, now)).to.shallow.equal(all);
        expect(holdingSwitch([all], 'r1', 3, 2, now)).to.shallow.equal(all);
        expect(holdingSwitch([up], 'r1', 2, 3, now)).to.shallow.equal(up);
        expect(holdingSwitch([up], 'r1', 3, 2, now)).to.equal(null);
        expect(holdWords(all, 2, 3)).to.equal('kill-switch global (all) set by w holds the creates until it lifts: r');
        expect(holdWords(ks({ kind: 'region', region: 'r1' }, 'all'), 3, 2)).to.equal('kill-switch region:r1 (all) set by w holds the deletes until it lifts: r');
    });
});
