// The supervisor's decision, rule by rule and pair by pair.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { decidePolicy, percentStep, type DecisionInput } from '../../../core/decide/policy';
import type { KillSwitch } from '../../../core/model/kill-switch';
import type { Adjustment } from '../../../core/model/policy';
import type { Override } from '../../../core/model/override';
import type { DecisionReason } from '../../../core/model/activity';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const now = new Date('2030-01-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const later = (s: number) => new Date(now.getTime() + s * 1000);

const base: DecisionInput = {
    now,
    group: { config: { cooldown: 60, minEntities: 1, maxEntities: 10 }, desired: 4, paused: false, lastScaledAt: ago(600), region: 'RegionOne' },
    policy: { adjustment: { change: 1 }, cooldown: 30, lastExecutedAt: ago(600) },
    override: null,
    killSwitches: [],
    trigger: { forced: false }
};

interface Case {
    readonly name: string;
    readonly group?: Partial<DecisionInput['group']>;
    readonly adjustment?: Adjustment;
    readonly policy?: Partial<DecisionInput['policy']>;
    readonly override?: Partial<Override>;
    readonly killSwitches?: readonly Partial<KillSwitch>[];
    readonly forced?: boolean;
    readonly circleBack?: boolean;
    readonly expect: [outcome: 'accepted' | 'refused', reason: DecisionReason, after: number];
}

const override = (o: Partial<Override>): Override => ({
    desiredCapacity: null, minEntities: null, maxEntities: null, reason: 'incident', expiresAt: later(3600), who: 'ops', byAdmin: false, ...o
});

const killSwitch = (k: Partial<KillSwitch>): KillSwitch => ({
    scope: { kind: 'global' }, mode: 'all', reason: 'nova incident', who: 'ops', expiresAt: null, ...k
});

const region = (name: string) => ({ kind: 'region' as const, region: name });

const cases: Case[] = [
    // each rule alone
    { name: 'change +1 moves desired', expect: ['accepted', 'policy', 5] },
    { name: 'change -2 moves desired down', adjustment: { change: -2 }, expect: ['accepted', 'policy', 2] },
    { name: 'desiredCapacity sets it', adjustment: { desiredCapacity: 7 }, expect: ['accepted', 'policy', 7] },
    { name: 'changePercent +50% of 4 is +2', adjustment: { changePercent: 50 }, expect: ['accepted', 'policy', 6] },
    { name: 'changePercent +10% of 4 rounds away from zero to +1', adjustment: { changePercent: 10 }, expect: ['accepted', 'policy', 5] },
    { name: 'changePercent -10% of 4 rounds away from zero to -1', adjustment: { changePercent: -10 }, expect: ['accepted', 'policy', 3] },
    { name: 'changePercent -60% of 4 (2.4) rounds to -3', adjustment: { changePercent: -60 }, expect: ['accepted', 'policy', 1] },
    { name: 'changePercent +25% of 0 is at least +1', group: { desired: 0, config: { cooldown: 0, minEntities: 0, maxEntities: 10 } }, adjustment: { changePercent: 25 }, expect: ['accepted', 'policy', 1] },
    { name: 'paused refuses', group: { paused: true }, expect: ['refused', 'paused', 4] },
    { name: 'a group being deleted refuses, before anything else', group: { deleting: true, paused: true }, forced: true, expect: ['refused', 'deleting', 4] },
    { name: 'group cooldown refuses', group: { lastScaledAt: ago(59) }, expect: ['refused', 'cooldown', 4] },
    { name: 'group cooldown just passed accepts', group: { lastScaledAt: ago(60) }, expect: ['accepted', 'policy', 5] },
    { name: 'policy cooldown refuses', policy: { lastExecutedAt: ago(29) }, expect: ['refused', 'cooldown', 4] },
    { name: 'policy cooldown just passed accepts', policy: { lastExecutedAt: ago(30) }, expect: ['accepted', 'policy', 5] },
    { name: 'never scaled, never executed: no cooldown', group: { lastScaledAt: null }, policy: { lastExecutedAt: null }, expect: ['accepted', 'policy', 5] },
    { name: 'at max refuses', group: { desired: 10 }, expect: ['refused', 'at_max', 10] },
    { name: 'at min refuses', group: { desired: 1 }, adjustment: { change: -1 }, expect: ['refused', 'at_min', 1] },
    { name: 'desiredCapacity equal to desired: no_change', adjustment: { desiredCapacity: 4 }, expect: ['refused', 'no_change', 4] },
    { name: 'a step past max is clamped and accepted', adjustment: { change: 20 }, expect: ['accepted', 'policy', 10] },
    { name: 'a step past min is clamped and accepted', adjustment: { change: -20 }, expect: ['accepted', 'policy', 1] },
    { name: 'null max means the 1000 ceiling', group: { desired: 999, config: { cooldown: 0, minEntities: 0, maxEntities: null } }, adjustment: { change: 5 }, expect: ['accepted', 'policy', 1000] },
    { name: 'global kill-switch (all) refuses', killSwitches: [{}], expect: ['refused', 'kill_switch', 4] },
    { name: 'region kill-switch refuses in that region', killSwitches: [{ scope: region('RegionOne') }], expect: ['refused', 'kill_switch', 4] },
    { name: 'region kill-switch ignores other regions', killSwitches: [{ scope: region('RegionTwo') }], expect: ['accepted', 'policy', 5] },
    { name: 'expired kill-switch ignored', killSwitches: [{ expiresAt: ago(1) }], expect: ['accepted', 'policy', 5] },
    { name: 'kill-switch until later still holds', killSwitches: [{ expiresAt: later(1) }], expect: ['refused', 'kill_switch', 4] },
    { name: 'scale-up kill-switch refuses an increase', killSwitches: [{ mode: 'scale-up' }], expect: ['refused', 'kill_switch', 4] },
    { name: 'scale-up kill-switch lets a decrease through', killSwitches: [{ mode: 'scale-up' }], adjustment: { change: -1 }, expect: ['accepted', 'policy', 3] },
    { name: 'all kill-switch refuses a decrease', killSwitches: [{ mode: 'all' }], adjustment: { change: -1 }, expect: ['refused', 'kill_switch', 4] },
    { name: 'override pinning desired refuses a move', override: { desiredCapacity: 4 }, expect: ['refused', 'override', 4] },
    { name: 'expired override no longer pins', override: { desiredCapacity: 4, expiresAt: now }, expect: ['accepted', 'policy', 5] },
    { name: 'a move onto the pinned value is not refused by the pin', override: { desiredCapacity: 5 }, expect: ['accepted', 'policy', 5] },
    { name: 'a pin at desired with nothing to move is no_change, not override', override: { desiredCapacity: 4 }, adjustment: { desiredCapacity: 4 }, expect: ['refused', 'no_change', 4] },
    { name: "override's max wins over the group's", override: { maxEntities: 4 }, expect: ['refused', 'override', 4] },
    { name: "override's min wins over the group's", override: { minEntities: 4 }, adjustment: { change: -1 }, expect: ['refused', 'override', 4] },
    { name: "override's max above the group's lets it grow", override: { maxEntities: 20 }, group: { desired: 10 }, expect: ['accepted', 'policy', 11] },
    { name: 'override max clamps a partial step', override: { maxEntities: 6 }, adjustment: { change: 5 }, expect: ['accepted', 'policy', 6] },
    { name: 'forced skips cooldown', forced: true, group: { lastScaledAt: ago(1) }, expect: ['accepted', 'forced', 5] },
    { name: 'circle-back is accepted as such', circleBack: true, expect: ['accepted', 'circle_back', 5] },

    // pairs that interact
    { name: 'paused beats a kill-switch', group: { paused: true }, killSwitches: [{}], expect: ['refused', 'paused', 4] },
    { name: 'paused beats force', group: { paused: true }, forced: true, expect: ['refused', 'paused', 4] },
    { name: 'paused beats an override', group: { paused: true }, override: { desiredCapacity: 2 }, expect: ['refused', 'paused', 4] },
    { name: 'force does not skip a kill-switch', forced: true, killSwitches: [{}], expect: ['refused', 'kill_switch', 4] },
    { name: 'force does not skip the maximum', forced: true, group: { desired: 10 }, expect: ['refused', 'at_max', 10] },
    { name: 'force does not skip the minimum', forced: true, group: { desired: 1 }, adjustment: { change: -1 }, expect: ['refused', 'at_min', 1] },
    { name: 'force clamps to the maximum', forced: true, adjustment: { change: 50 }, expect: ['accepted', 'forced', 10] },
    { name: 'force does not skip an override pin', forced: true, override: { desiredCapacity: 4 }, expect: ['refused', 'override', 4] },
    { name: 'kill-switch beats an override', override: { desiredCapacity: 4 }, killSwitches: [{}], expect: ['refused', 'kill_switch', 4] },
    { name: 'kill-switch beats cooldown', group: { lastScaledAt: ago(1) }, killSwitches: [{}], expect: ['refused', 'kill_switch', 4] },
    { name: 'override beats cooldown', group: { lastScaledAt: ago(1) }, override: { desiredCapacity: 4 }, expect: ['refused', 'override', 4] },
    { name: 'cooldown beats at_max', group: { desired: 10, lastScaledAt: ago(1) }, expect: ['refused', 'cooldown', 10] },
    { name: 'cooldown beats no_change', policy: { lastExecutedAt: ago(1) }, adjustment: { desiredCapacity: 4 }, expect: ['refused', 'cooldown', 4] },
    { name: 'scale-up kill-switch at max: the result is no increase, so at_max', killSwitches: [{ mode: 'scale-up' }], group: { desired: 10 }, expect: ['refused', 'at_max', 10] },
    { name: 'scale-up kill-switch vs desiredCapacity below desired: allowed', killSwitches: [{ mode: 'scale-up' }], adjustment: { desiredCapacity: 2 }, expect: ['accepted', 'policy', 2] },
    { name: 'override min raises the floor a percent step lands on', override: { minEntities: 3 }, adjustment: { changePercent: -90 }, expect: ['accepted', 'policy', 3] },
    { name: 'expired override min no longer holds', override: { minEntities: 4, expiresAt: ago(1) }, adjustment: { change: -1 }, expect: ['accepted', 'policy', 3] },
    { name: 'both cooldowns running: refused once', group: { lastScaledAt: ago(1) }, policy: { lastExecutedAt: ago(1) }, expect: ['refused', 'cooldown', 4] }
];

describe('decidePolicy', () => {
    for (const c of cases) {
        it(c.name, () => {
            const decision = decidePolicy({
                ...base,
                group: { ...base.group, ...c.group },
                policy: { ...base.policy, ...(c.adjustment ? { adjustment: c.adjustment } : {}), ...c.policy },
                override: c.override ? override(c.override) : null,
                killSwitches: (c.killSwitches ?? []).map(killSwitch),
                trigger: { forced: c.forced ?? false, circleBack: c.circleBack ?? false }
            });
            expect([decision.outcome, decision.reason, decision.desiredAfter]).to.equal(c.expect);
            expect(decision.desiredBefore).to.equal(c.group?.desired ?? base.group.desired);
            expect(decision.message.length).to.be.above(0);
        });
    }

    it('percent steps round away from zero on both signs', () => {
        expect([percentStep(10, 15), percentStep(10, -15), percentStep(3, 1), percentStep(3, -1), percentStep(10, 100), percentStep(10, -100)])
            .to.equal([2, -2, 1, -1, 10, -10]);
    });
});
