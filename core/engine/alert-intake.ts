// Alert transitions (contract §6), checked by the plugin, handed here: the
// store moves the alert's episode (core/decide/alert-episode.ts), and each
// claimed attempt runs the actions' policies through the supervisor, the
// transition's own attempt now and the circle-backs from the loop
// (core/engine/circle-back.ts). One gone group or policy never stops the rest.
import { isCircleBack, stepEpisode } from '../decide/alert-episode';
import type { AlertRecorded, AlertTransition, AttemptClaim, TransitionOutcome } from '../model/alert';
import { DomainError } from '../model/errors';
import { GroupId, PolicyId, TenantId } from '../model/ids';
import type { TriggerResult } from '../model/trigger';
import type { Clock } from '../ports/clock';
import type { SupervisionStore } from '../ports/supervision';
import type { Log } from './log';
import type { Supervisor } from './supervisor';

// An action that could not run (its group or policy is gone, ...): the others still do.
export interface SkippedAction {
    readonly groupId: string;
    readonly policyId: string;
    readonly attempt: number;
    readonly type: string;
    readonly message: string;
}

export interface AlertOutcome extends TransitionOutcome {
    readonly skipped: readonly SkippedAction[];
}

export interface FiredAttempts {
    readonly triggers: readonly TriggerResult[];
    readonly skipped: readonly SkippedAction[];
}

export interface AlertIntakeDeps {
    readonly store: SupervisionStore;
    readonly supervisor: Supervisor;
    readonly clock: Clock;
    readonly circleBackCap: number;
    readonly floorMs: number;            // the least wait between two attempts (the debounce window at least)
    readonly log: Log;
}

export interface AlertIntake {
    transition(transition: AlertTransition): Promise<AlertOutcome>;
    // Runs a claimed attempt's actions; takeId (takeIdOf) and the request's id only for the transition's own attempt.
    fire(claim: AttemptClaim, takeId: string | null, requestId?: string): Promise<FiredAttempts>;
}

const none: FiredAttempts = { triggers: [], skipped: [] };

// What the transition's own triggers are named by (their activity rows' event
// id, with the policy): this take of its event id, not the id alone. The same
// id on another rule is another transition, and an id taken again once its
// retention pruned it is a new one: neither may answer as the old trigger did.
// JSON, so that no rule id or event id can pass for another.
export const takeIdOf = (t: AlertTransition, takenAt: Date): string => JSON.stringify([t.ruleId, t.eventId, takenAt.toISOString()]);

export const alertIntake = ({ store, supervisor, clock, circleBackCap, floorMs, log }: AlertIntakeDeps): AlertIntake => {
    const fire = async (claim: AttemptClaim, takeId: string | null, requestId?: string): Promise<FiredAttempts> => {
        const triggers: TriggerResult[] = [];
        const skipped: SkippedAction[] = [];
        const circleBack = isCircleBack(claim.attempt);
        for (const action of claim.actions) {
            try {
                triggers.push(await supervisor.trigger({
                    tenantId: TenantId(claim.key.tenantId), groupId: GroupId(action.groupId), policyId: PolicyId(action.policyId),
                    source: 'alert',
                    eventId: takeId === null ? null : `${takeId}:${action.policyId}`,
                    forced: false,
                    circleBack,
                    who: `alert:${claim.key.ruleId}`,
                    note: circleBack ? `alert still CRITICAL: attempt ${claim.attempt} of ${circleBackCap}` : null,
                    requestId
                }));
            }
            catch (err) {
                // The attempt still counts.
                const type = err instanceof DomainError ? err.type : 'InternalError';
                const message = err instanceof Error ? err.message : String(err);
                skipped.push({ groupId: action.groupId, policyId: action.policyId, attempt: claim.attempt, type, message });
                log(['supervisor', 'alert', err instanceof DomainError ? 'warn' : 'error'], { message: `alert action skipped: ${message}`, ...claim.key, ...action, attempt: claim.attempt });
            }
        }

        return { triggers, skipped };
    };

    const transition = async (t: AlertTransition): Promise<AlertOutcome> => {
        const key = { tenantId: t.tenantId, ruleId: t.ruleId, entityId: t.entityId ?? '' };
        const now = clock.now();
        const record = { ...key, eventId: t.eventId, at: t.at, to: t.to, actions: t.actions, now };
        if (t.to === 'CRITICAL') {
            const start = await store.startAlertEpisode(record, floorMs);
            if (start.status === 'replay') {
                return { status: 'replay', ...none };
            }

            if (start.status === 'started') {
                return { status: 'taken', ...await fire(start.claim, takeIdOf(t, now), t.requestId) };
            }
        }

        // The episode's next step (core/decide/alert-episode.ts) on its locked row.
        const recorded = await store.withAlertEpisode(record, async (locked): Promise<AlertRecorded> => {
            if (!locked) {
                return { status: 'replay' };
            }

            const step = stepEpisode(locked.current, record, now);
            if (step.kind === 'stale') {
                return { status: 'stale', lastAt: step.lastAt };
            }

            await locked.write(step.episode, record.actions);
            return { status: 'taken', step: step.kind };
        });
        if (recorded.status === 'replay') {
            return { status: 'replay', ...none };
        }

        if (recorded.status === 'stale') {
            log(['supervisor', 'alert', 'info'], { message: 'stale alert transition ignored', ...key, eventId: t.eventId, at: t.at.toISOString(), lastAt: recorded.lastAt.toISOString() });
            return { status: 'stale', ...none };
        }

        if (recorded.step !== 'start') {
            return { status: 'taken', ...none };
        }

        // The episode's first attempt, claimed like a circle-back so that it is
        // counted once even if the loop of another instance reaches it first.
        const [claim] = await store.claimAlertAttempts({ now, cap: circleBackCap, floorMs, limit: 1, only: { ...key, attempts: 0 } });
        return { status: 'taken', ...(claim ? await fire(claim, takeIdOf(t, now), t.requestId) : none) };
    };

    return { transition, fire };
};
