// A config change moves desired to the nearest new bound, with a row saying
// so; bounds that still hold desired move nothing and write nothing. When a
// kill-switch holds what the move asks of the converger (creates under any
// mode, deletes under `all`, judged from what is in service or on the way),
// the row says so instead: reason kill_switch, the change still made.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { decideConfigChange } from '../../../core/decide/config-change';
import type { GroupConfig } from '../../../core/model/group';
import type { ActivityInput } from '../../../core/model/activity';
import type { KillSwitch } from '../../../core/model/kill-switch';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const now = new Date('2030-01-01T12:00:00Z');
const config = (c: Partial<GroupConfig>): GroupConfig => ({ name: 'web', cooldown: 60, minEntities: 1, maxEntities: 10, metadata: {}, ...c });
const ks = (mode: KillSwitch['mode'], scope: KillSwitch['scope'] = { kind: 'global' }, expiresAt: Date | null = null): KillSwitch =>
    ({ scope, mode, reason: 'Nova upgrade', who: 'ops', expiresAt });

interface Row {
    readonly name: string;
    readonly desired: number;
    readonly serving?: number;                  // default: desired (a converged group)
    readonly switches?: KillSwitch[];
    readonly next: Partial<GroupConfig>;
    readonly expect: [desired: number, reason: ActivityInput['reason'] | null, message: string | null];
}

const raisedTo7 = 'minEntities 7 is above desired 5: desired raised to 7';
const loweredTo3 = 'maxEntities 3 is below desired 5: desired lowered to 3';
const rows: Row[] = [
    { name: 'bounds that hold desired: nothing moves', desired: 5, next: {}, expect: [5, null, null] },
    { name: 'desired exactly on both new bounds: nothing moves', desired: 5, next: { minEntities: 5, maxEntities: 5 }, expect: [5, null, null] },
    { name: 'no maximum: only the ceiling, desired stays', desired: 900, next: { maxEntities: null }, expect: [900, null, null] },
    { name: 'a minimum above desired raises it', desired: 5, next: { minEntities: 7 }, expect: [7, 'at_min', raisedTo7] },
    { name: 'a maximum below desired lowers it', desired: 5, next: { maxEntities: 3 }, expect: [3, 'at_max', loweredTo3] },
    { name: 'a maximum of 0 lowers desired to 0', desired: 5, next: { minEntities: 0, maxEntities: 0 }, expect: [0, 'at_max', 'maxEntities 0 is below desired 5: desired lowered to 0'] },
    { name: 'from 0 a minimum of 1 raises it', desired: 0, next: {}, expect: [1, 'at_min', 'minEntities 1 is above desired 0: desired raised to 1'] },

    // Kill-switches: the change is made, the row says what waits.
    { name: 'no switch in force: raised as ever', desired: 5, switches: [], next: { minEntities: 7 }, expect: [7, 'at_min', raisedTo7] },
    {
        name: '`all` raising: the creates wait', desired: 5, switches: [ks('all')], next: { minEntities: 7 },
        expect: [7, 'kill_switch', `${raisedTo7}; kill-switch global (all) set by ops holds the creates until it lifts: Nova upgrade`]
    },
    {
        name: '`all` lowering: the deletes wait', desired: 5, switches: [ks('all')], next: { maxEntities: 3 },
        expect: [3, 'kill_switch', `${loweredTo3}; kill-switch global (all) set by ops holds the deletes until it lifts: Nova upgrade`]
    },
    {
        name: '`scale-up` raising: the creates wait (the converger withholds every create under it)', desired: 5, switches: [ks('scale-up')], next: { minEntities: 7 },
        expect: [7, 'kill_switch', `${raisedTo7}; kill-switch global (scale-up) set by ops holds the creates until it lifts: Nova upgrade`]
    },
    { name: '`scale-up` lowering: the deletes go on', desired: 5, switches: [ks('scale-up')], next: { maxEntities: 3 }, expect: [3, 'at_max', loweredTo3] },
    { name: 'an expired switch holds nothing', desired: 5, switches: [ks('all', { kind: 'global' }, now)], next: { minEntities: 7 }, expect: [7, 'at_min', raisedTo7] },
    {
        name: 'a switch of the installation\'s region holds', desired: 5, switches: [ks('all', { kind: 'region', region: 'r1' })], next: { maxEntities: 3 },
        expect: [3, 'kill_switch', `${loweredTo3}; kill-switch region:r1 (all) set by ops holds the deletes until it lifts: Nova upgrade`]
    },
    { name: 'a switch of another region holds nothing', desired: 5, switches: [ks('all', { kind: 'region', region: 'r2' })], next: { maxEntities: 3 }, expect: [3, 'at_max', loweredTo3] },
    // What the converger starts from is what is there, not the old desired.
    { name: '`all`, desired raised back to what is already there: nothing waits', desired: 5, serving: 7, switches: [ks('all')], next: { minEntities: 7 }, expect: [7, 'at_min', raisedTo7] },
    {
        name: '`all`, raised but still below what is there: the deletes wait', desired: 5, serving: 9, switches: [ks('all')], next: { minEntities: 7 },
        expect: [7, 'kill_switch', `${raisedTo7}; kill-switch global (all) set by ops holds the deletes until it lifts: Nova upgrade`]
    },
    { name: '`scale-up`, raised but still below what is there: the deletes go on', desired: 5, serving: 9, switches: [ks('scale-up')], next: { minEntities: 7 }, expect: [7, 'at_min', raisedTo7] }
];

describe('decideConfigChange', () => {
    for (const row of rows) {
        it(row.name, () => {
            const [desired, reason, message] = row.expect;
            const input = { desired: row.desired, serving: row.serving ?? row.desired, next: config(row.next), who: 'frank', killSwitches: row.switches ?? [], region: 'r1', now };
            expect(decideConfigChange(input)).to.equal({
                desired,
                activity: reason === null || message === null ? null : {
                    source: 'manual', kind: 'config', outcome: 'accepted', reason, message, desiredBefore: row.desired, desiredAfter: desired, who: 'frank'
                }
            });
        });
    }
});
