// The supervisor's decision: may this trigger move this group's desired
// capacity, and to what? Pure: everything it needs, the time included, is an
// argument. Order of refusals as contract §4 (a group being deleted first,
// then): paused, kill_switch, override,
// cooldown, at_max / at_min, no_change.
import { clamp, effectiveMax } from '../model/bounds';
import { stoppingSwitch, scopeName, type KillSwitch } from '../model/kill-switch';
import type { GroupConfig } from '../model/group';
import type { Adjustment } from '../model/policy';
import { inForce, type Override } from '../model/override';
import type { AcceptReason, DecisionReason } from '../model/activity';

export interface DecisionInput {
    readonly now: Date;
    readonly group: {
        readonly config: Pick<GroupConfig, 'cooldown' | 'minEntities' | 'maxEntities'>;
        readonly desired: number;
        readonly paused: boolean;
        readonly deleting?: boolean;        // a forced delete is under way: desired stays 0
        readonly lastScaledAt: Date | null;
        readonly region: string | null;
    };
    readonly policy: {
        readonly adjustment: Adjustment;
        readonly cooldown: number;
        readonly lastExecutedAt: Date | null;
    };
    readonly override: Override | null;
    readonly killSwitches: readonly KillSwitch[];
    readonly trigger: { readonly forced: boolean; readonly circleBack?: boolean };
}

export interface Decision {
    readonly outcome: 'accepted' | 'refused';
    readonly reason: DecisionReason;
    readonly desiredBefore: number;
    readonly desiredAfter: number;
    readonly message: string;
}

// changePercent of the current desired, rounded away from zero, at least 1.
export const percentStep = (desired: number, percent: number): number => {
    const exact = (desired * percent) / 100;
    return Math.sign(percent) * Math.max(1, Math.ceil(Math.abs(exact) - 1e-9));
};

export const target = (desired: number, adjustment: Adjustment): number => {
    if ('change' in adjustment) {
        return desired + adjustment.change;
    }

    if ('changePercent' in adjustment) {
        return desired + percentStep(desired, adjustment.changePercent);
    }

    return adjustment.desiredCapacity;
};

const secondsLeft = (since: Date | null, cooldown: number, now: Date): number =>
    since === null ? 0 : Math.max(0, cooldown - (now.getTime() - since.getTime()) / 1000);

export const decidePolicy = (input: DecisionInput): Decision => {
    const { now, group, policy, trigger } = input;
    const before = group.desired;
    const refuse = (reason: DecisionReason, message: string): Decision =>
        ({ outcome: 'refused', reason, desiredBefore: before, desiredAfter: before, message });

    if (group.deleting) {
        return refuse('deleting', 'The group is being deleted');
    }

    if (group.paused) {
        return refuse('paused', 'The group is paused');
    }

    const override = inForce(input.override, now);
    const bounds = {
        minEntities: override?.minEntities ?? group.config.minEntities,
        maxEntities: override?.maxEntities ?? group.config.maxEntities
    };
    const wanted = target(before, policy.adjustment);
    const after = clamp(wanted, bounds);

    const stop = stoppingSwitch(input.killSwitches, group.region, before, after, now);
    if (stop) {
        return refuse('kill_switch', `Kill-switch ${scopeName(stop.scope)} (${stop.mode}) set by ${stop.who}: ${stop.reason}`);
    }

    if (override && override.desiredCapacity !== null && after !== override.desiredCapacity) {
        return refuse('override', `Desired is pinned at ${override.desiredCapacity} by ${override.who} until ${override.expiresAt.toISOString()}: ${override.reason}`);
    }

    if (!trigger.forced) {
        const groupWait = secondsLeft(group.lastScaledAt, group.config.cooldown, now);
        const policyWait = secondsLeft(policy.lastExecutedAt, policy.cooldown, now);
        const wait = Math.max(groupWait, policyWait);
        if (wait > 0) {
            return refuse('cooldown', `${groupWait >= policyWait ? 'Group' : 'Policy'} cooldown: ${Math.ceil(wait)} s left`);
        }
    }

    if (after === before) {
        // A bound the override set is the override's doing, not the group's.
        if (wanted > before) {
            return override?.maxEntities != null ?
                refuse('override', `At the override's maximum of ${override.maxEntities} until ${override.expiresAt.toISOString()}: ${override.reason}`) :
                refuse('at_max', `At the maximum of ${effectiveMax(bounds)}`);
        }

        if (wanted < before) {
            return override?.minEntities != null ?
                refuse('override', `At the override's minimum of ${override.minEntities} until ${override.expiresAt.toISOString()}: ${override.reason}`) :
                refuse('at_min', `At the minimum of ${bounds.minEntities}`);
        }

        return refuse('no_change', `Desired is already ${before}`);
    }

    const reason: AcceptReason = trigger.forced ? 'forced' : trigger.circleBack ? 'circle_back' : 'policy';
    const clamped = after !== wanted ? ` (${wanted} clamped to ${after > wanted ? 'the minimum' : 'the maximum'})` : '';
    return { outcome: 'accepted', reason, desiredBefore: before, desiredAfter: after, message: `Desired ${before} → ${after}${clamped}` };
};
