// The alert supervisor's state machine (contract §6), pure: given the alert's
// stored episode, a transition and the time, what happens. The store applies
// it in one transaction (adapters/store/alerts.ts); the plugin fires triggers.
//
// Choices where the contract is silent:
// - The stored state is the authority; the transition's `from` is the host's
//   view and only informative. With no stored row the alert counts as not
//   CRITICAL, so a first CRITICAL we have never acted on starts an episode.
// - WARNING ends an episode like OK (the supervisor only circles back while
//   CRITICAL); a CRITICAL after a WARNING therefore starts a new one.
// - CRITICAL while already CRITICAL (a re-sent firing) changes nothing: the
//   circle-back, not the repeats, decides when to try again.
// - A transition whose `at` equals the last one seen is taken, not stale.
import type { AlertState, AutoscaleAction } from './alerts';

export interface AlertKey {
    readonly tenantId: string;
    readonly ruleId: string;
    readonly entityId: string;       // '' when the rule has no entity
}

export interface Episode {
    readonly state: AlertState;
    readonly lastAt: Date;           // the newest transition's `at`
    readonly attempts: number;       // attempts of the current (or last) episode
    readonly nextAttemptAt: Date | null;
}

export type EpisodeStep =
    | { readonly kind: 'stale' }                               // older than the last seen: ignored
    | { readonly kind: 'start'; readonly episode: Episode }    // a new episode: its first attempt is due now
    | { readonly kind: 'hold'; readonly episode: Episode }     // still CRITICAL: nothing new to do
    | { readonly kind: 'end'; readonly episode: Episode }      // no longer CRITICAL: no more circling back
    | { readonly kind: 'note'; readonly episode: Episode };    // between non-critical states

export const stepEpisode = (current: Episode | null, transition: { readonly at: Date; readonly to: AlertState }, now: Date): EpisodeStep => {
    const { at, to } = transition;
    if (current && at.getTime() < current.lastAt.getTime()) {
        return { kind: 'stale' };
    }

    const wasCritical = current?.state === 'CRITICAL';
    if (to === 'CRITICAL') {
        return wasCritical && current ?
            { kind: 'hold', episode: { ...current, lastAt: at } } :
            // attempts 0 and due now: the first attempt is claimed like any
            // other (so a crash before it fires leaves it to the loop).
            { kind: 'start', episode: { state: 'CRITICAL', lastAt: at, attempts: 0, nextAttemptAt: now } };
    }

    // The count of the episode that ended stays for the record; nothing is due.
    const episode: Episode = { state: to, lastAt: at, attempts: current?.attempts ?? 0, nextAttemptAt: null };
    return wasCritical ? { kind: 'end', episode } : { kind: 'note', episode };
};

// Whether the loop may claim an attempt now (the store's claim query says the same in SQL).
export const attemptDue = (episode: Episode, now: Date, cap: number): boolean =>
    episode.state === 'CRITICAL' && episode.nextAttemptAt !== null &&
    episode.nextAttemptAt.getTime() <= now.getTime() && episode.attempts < cap;

// The attempt after this one waits out the longest cooldown of the actions'
// groups and policies (seconds), and at least floorMs (the debounce window, or
// a circle-back would only be coalesced into the decision it follows).
export const nextAttemptAt = (now: Date, cooldownsS: readonly number[], floorMs: number): Date =>
    new Date(now.getTime() + Math.max(floorMs, ...cooldownsS.map((s) => s * 1000)));

// Attempt 1 is the transition's own; every later one is a circle-back.
export const isCircleBack = (attempt: number): boolean => attempt > 1;

// What the store hands back for a transition.
export interface AlertRecord extends AlertKey {
    readonly eventId: string;
    readonly at: Date;
    readonly to: AlertState;
    readonly actions: readonly AutoscaleAction[];
    readonly now: Date;
}

export type AlertRecorded =
    | { readonly status: 'replay' }
    | { readonly status: 'stale'; readonly lastAt: Date }
    | { readonly status: 'taken'; readonly step: Exclude<EpisodeStep['kind'], 'stale'> };

// A CRITICAL for an alert with no episode row yet, started and its first
// attempt claimed in one step (the common case, kept to one statement).
export type EpisodeStart =
    | { readonly status: 'replay' }
    | { readonly status: 'started'; readonly claim: AttemptClaim }
    | { readonly status: 'exists' };    // the alert has a row: take the general path

// Claim due attempts: all due episodes (the loop), or one key at a given count (intake).
export interface AttemptClaimRequest {
    readonly now: Date;
    readonly cap: number;
    readonly floorMs: number;
    readonly limit: number;
    readonly only?: AlertKey & { readonly attempts: number };
}

export interface AttemptClaim {
    readonly key: AlertKey;
    readonly attempt: number;        // 1-based: this attempt's number in its episode
    readonly actions: readonly AutoscaleAction[];
    readonly nextAttemptAt: Date;
}
