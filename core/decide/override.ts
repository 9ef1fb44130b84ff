// An operator's override, decided before the store writes it: its bounds must
// hold together, and a kill-switch stops the move it makes as it stops a trigger's.
import { clamp, effectiveMax } from '../model/bounds';
import { badRequest, DomainError } from '../model/errors';
import type { GroupConfig } from '../model/group';
import { scopeName, stoppingSwitch, type KillSwitch } from '../model/kill-switch';
import { inForce, type Override } from '../model/override';
import type { ActivityInput, ActivitySource } from '../model/activity';

export interface OverrideInput {
    readonly override: Override;                 // the pin asked for, who included
    readonly current: Override | null;           // the override stored now, if any (expired ones included)
    readonly desired: number;                    // the group's current desired
    readonly config: Pick<GroupConfig, 'minEntities' | 'maxEntities'>;   // the group's own bounds
    readonly killSwitches: readonly KillSwitch[];
    readonly region: string | null;
    readonly source: ActivitySource;
    readonly now: Date;
}

export type OverrideDecision =
    | { readonly kind: 'refused'; readonly error: DomainError }
    | { readonly kind: 'set'; readonly desiredAfter: number; readonly moved: boolean; readonly activity: ActivityInput };

// The bounds an override leaves in force must hold together, and a pinned
// desired must lie within them: otherwise the pin could never be reached and
// every trigger would be refused `override` until it expired.
const boundsError = (override: Override, bounds: Pick<GroupConfig, 'minEntities' | 'maxEntities'>): DomainError | null => {
    if (bounds.minEntities > effectiveMax(bounds)) {
        const field = override.minEntities !== null ? 'minEntities' : 'maxEntities';
        return badRequest(field, `"${field}" leaves minEntities ${bounds.minEntities} above maxEntities ${effectiveMax(bounds)} (the group's own bound fills the other)`);
    }

    if (override.desiredCapacity !== null && clamp(override.desiredCapacity, bounds) !== override.desiredCapacity) {
        return badRequest('desiredCapacity', `"desiredCapacity" must lie within ${bounds.minEntities}..${effectiveMax(bounds)} (the override's bounds, else the group's)`);
    }

    return null;
};

// An admin's override in force is the admin's to change or clear: a tenant
// could otherwise lift an incident freeze. An expired one binds nobody.
const adminOverride = (current: Override | null, source: ActivitySource, now: Date, verb: 'change' | 'clear'): DomainError | null => {
    const pinned = inForce(current, now);
    return pinned?.byAdmin && source !== 'admin' ?
        new DomainError('forbidden', verb === 'change' ? 'CannotSetOverrideError' : 'CannotClearOverrideError',
            `An admin (${pinned.who}) set this override: only an admin may ${verb} it (${pinned.reason})`, { reason: 'admin_override' }) :
        null;
};

// An override moves desired at once to what it pins. A kill-switch in force
// stops that move: an override is no way around it. One that moves nothing passes.
export const decideOverride = (input: OverrideInput): OverrideDecision => {
    const { override, desired: before } = input;
    const taken = adminOverride(input.current, input.source, input.now, 'change');
    if (taken) {
        return { kind: 'refused', error: taken };
    }

    const bounds = { minEntities: override.minEntities ?? input.config.minEntities, maxEntities: override.maxEntities ?? input.config.maxEntities };
    const error = boundsError(override, bounds);
    if (error) {
        return { kind: 'refused', error };
    }

    const after = clamp(override.desiredCapacity ?? before, bounds);
    const moved = after !== before;
    const stop = moved ? stoppingSwitch(input.killSwitches, input.region, before, after, input.now) : null;
    if (stop) {
        return {
            kind: 'refused',
            error: new DomainError('forbidden', 'CannotSetOverrideError',
                `Kill-switch ${scopeName(stop.scope)} (${stop.mode}) set by ${stop.who} stops desired ${before} → ${after}: ${stop.reason}`, { reason: 'kill_switch' })
        };
    }

    return {
        kind: 'set',
        desiredAfter: after,
        moved,
        activity: {
            source: input.source, kind: 'override', outcome: 'accepted', reason: 'override',
            message: `Override until ${override.expiresAt.toISOString()}: ${override.reason}${moved ? `; desired ${before} → ${after}` : ''}`,
            desiredBefore: before, desiredAfter: after, who: override.who
        }
    };
};

export interface OverrideRemovalInput {
    readonly current: Override;                  // the override stored now
    readonly desired: number;
    readonly config: Pick<GroupConfig, 'minEntities' | 'maxEntities'>;
    readonly who: string;
    readonly source: ActivitySource;
    readonly now: Date;
}

export type OverrideRemovalDecision =
    | { readonly kind: 'refused'; readonly error: DomainError }
    | { readonly kind: 'removed'; readonly desiredAfter: number; readonly activity: ActivityInput };

// Removing an override brings desired back within the group's own bounds.
export const decideOverrideRemoval = (input: OverrideRemovalInput): OverrideRemovalDecision => {
    const taken = adminOverride(input.current, input.source, input.now, 'clear');
    if (taken) {
        return { kind: 'refused', error: taken };
    }

    const before = input.desired;
    const after = clamp(before, input.config);
    return {
        kind: 'removed',
        desiredAfter: after,
        activity: {
            source: input.source, kind: 'override', outcome: 'done', reason: 'override',
            message: `Override removed${after !== before ? `; desired ${before} → ${after}` : ''}`,
            desiredBefore: before, desiredAfter: after, who: input.who
        }
    };
};
