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
import type { AlertState, Episode, EpisodeStep } from '../model/alert';

export const stepEpisode = (current: Episode | null, transition: { readonly at: Date; readonly to: AlertState }, now: Date): EpisodeStep => {
    const { at, to } = transition;
    if (current && at.getTime() < current.lastAt.getTime()) {
        return { kind: 'stale', lastAt: current.lastAt };
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

// Warm-up (contract §6, AWS's instance warm-up): an attempt due after an
// earlier one waits until the servers on their way into the actions' groups
// (building, or in their launch workflow) are in service or have failed, then
// waits the cooldown from that moment, so new capacity gets its chance to
// move the metric before more is asked for.
export type WarmUp =
    | { readonly kind: 'claim' }
    | { readonly kind: 'wait'; readonly warming: boolean; readonly nextAttemptAt: Date };

export const warmUp = (input: {
    readonly attempts: number;          // made so far in the episode
    readonly warming: boolean;          // the episode was waiting for servers on their way
    readonly serversComing: number;     // servers of the actions' groups on their way into service now
    readonly now: Date;
    readonly cooldownsS: readonly number[];
    readonly floorMs: number;
}): WarmUp => {
    if (input.attempts === 0) {
        return { kind: 'claim' };       // the transition's own attempt: nothing came before it
    }

    if (input.serversComing > 0) {
        return { kind: 'wait', warming: true, nextAttemptAt: new Date(input.now.getTime() + input.floorMs) };
    }

    return input.warming ?
        { kind: 'wait', warming: false, nextAttemptAt: nextAttemptAt(input.now, input.cooldownsS, input.floorMs) } :
        { kind: 'claim' };
};

// Attempt 1 is the transition's own; every later one is a circle-back.
export const isCircleBack = (attempt: number): boolean => attempt > 1;
