// A group's state shows a kill-switch holding its convergence as an entry of
// `errors`, beside any it had, status untouched; nothing when desired is met
// or no switch in force stops the way there.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { withHold } from '../../../core/decide/held-state';
import type { Group, GroupState } from '../../../core/model/group';
import { GroupId, TenantId } from '../../../core/model/ids';
import type { KillSwitch } from '../../../core/model/kill-switch';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const now = new Date('2030-01-01T12:00:00Z');
const ks = (mode: KillSwitch['mode'], expiresAt: Date | null = null): KillSwitch => ({ scope: { kind: 'global' }, mode, reason: 'Nova upgrade', who: 'ops', expiresAt });
const group = (state: Partial<GroupState>): Group => ({
    id: GroupId('g1'), tenantId: TenantId('t1'),
    config: { name: 'web', cooldown: 0, minEntities: 0, maxEntities: 10, metadata: {} },
    launch: { type: 'launch_server', args: { server: {} } },
    state: { desiredCapacity: 3, activeCapacity: 1, pendingCapacity: 0, paused: false, status: 'ACTIVE', errors: [], active: [], orphans: [], ...state }
});

interface Row {
    readonly name: string;
    readonly state: Partial<GroupState>;
    readonly switches: KillSwitch[];
    readonly errors: string[];
}

const rows: Row[] = [
    { name: 'no switch: nothing held', state: {}, switches: [], errors: [] },
    { name: '`all`, desired above what is there: the creates wait', state: {}, switches: [ks('all')], errors: ['Desired 3, 1 in service or on the way: kill-switch global (all) set by ops holds the creates until it lifts: Nova upgrade'] },
    { name: '`scale-up`, desired above what is there: the creates wait', state: { pendingCapacity: 1 }, switches: [ks('scale-up')], errors: ['Desired 3, 2 in service or on the way: kill-switch global (scale-up) set by ops holds the creates until it lifts: Nova upgrade'] },
    { name: '`all`, desired below what is there: the deletes wait', state: { desiredCapacity: 0 }, switches: [ks('all')], errors: ['Desired 0, 1 in service or on the way: kill-switch global (all) set by ops holds the deletes until it lifts: Nova upgrade'] },
    { name: '`scale-up`, desired below what is there: the deletes go on', state: { desiredCapacity: 0 }, switches: [ks('scale-up')], errors: [] },
    { name: '`all`, desired met (servers on the way count): nothing held', state: { pendingCapacity: 2 }, switches: [ks('all')], errors: [] },
    { name: 'an expired switch: nothing held', state: {}, switches: [ks('all', now)], errors: [] },
    {
        name: 'a group in ERROR keeps its error, the hold beside it', state: { status: 'ERROR', errors: [{ message: 'Quota exceeded' }] }, switches: [ks('all')],
        errors: ['Quota exceeded', 'Desired 3, 1 in service or on the way: kill-switch global (all) set by ops holds the creates until it lifts: Nova upgrade']
    }
];

describe('withHold', () => {
    for (const row of rows) {
        it(row.name, () => {
            const before = group(row.state);
            const shown = withHold(before, row.switches, 'r1', now);
            expect(shown.state.errors.map((e) => e.message)).to.equal(row.errors);
            expect({ ...shown.state, errors: [] }).to.equal({ ...before.state, errors: [] });
            expect(shown.config).to.equal(before.config);
        });
    }
});
