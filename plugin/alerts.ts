// Alert transitions in process (contract §6): the host's monitoring server (and
// the capability webhook route, for Alertmanager) hands them here. Joi checks
// the input, the store moves the alert's episode (core/decide/alert-episode.ts), and
// each claimed attempt runs the actions' policies through the supervisor's
// transaction (store.trigger). plugin/loops.ts fires the circle-backs.
import type { Server } from '@hapi/hapi';
import Joi from 'joi';
import { isCircleBack } from '../core/decide/alert-episode';
import { type AttemptClaim } from '../core/model/alert';
import type { AlertIntake, AlertState, AutoscaleAction, TransitionOutcome } from '../core/model/alert';
import { badRequest, DomainError } from '../core/model/errors';
import { GroupId, PolicyId, TenantId } from '../core/model/ids';
import type { TriggerResult } from '../core/model/trigger';
import { regionOf, storeOf, type Runtime } from './runtime';
import * as Schemas from './schemas';

// Ids as the API takes them in paths: storable text, 1..256 characters.
const id = Schemas.tenantParams.extract('tenantId') as Joi.StringSchema;
const states: AlertState[] = ['OK', 'WARNING', 'CRITICAL'];

export const actionSchema = Joi.object<AutoscaleAction>({
    type: Joi.string().valid('autoscale').required(),
    groupId: id.required(),
    policyId: id.required()
}).label('action');

// The same policy twice would only be a replay of itself (its event id is per policy).
const actions = Joi.array().items(actionSchema).max(25).unique((a: AutoscaleAction, b: AutoscaleAction) => a.groupId === b.groupId && a.policyId === b.policyId);

export const alertTransitionSchema = Joi.object({
    tenantId: id.required(),
    ruleId: id.required(),
    // Alertmanager group keys (the capability route's entity) can run long.
    entityId: id.max(1024).optional().allow(''),
    eventId: id.max(512).required(),
    at: Joi.date().iso().required(),
    from: Joi.string().valid(...states).required(),
    to: Joi.string().valid(...states).required(),
    actions: actions.required()
}).required().label('transition');

// What a host passes: `at` may be a Date or an ISO 8601 string.
export interface AlertTransitionInput {
    readonly tenantId: string;
    readonly ruleId: string;
    readonly entityId?: string | undefined;
    readonly eventId: string;
    readonly at: Date | string;
    readonly from: AlertState;
    readonly to: AlertState;
    readonly actions: readonly AutoscaleAction[];
}

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

export interface Alerts extends AlertIntake {
    transition(transition: AlertTransitionInput): Promise<AlertOutcome>;
    validateAction(tenantId: string, action: unknown): Promise<AutoscaleAction>;
    // Runs a claimed attempt's actions; eventId only for the transition's own attempt.
    fire(claim: AttemptClaim, eventId: string | null): Promise<FiredAttempts>;
}

// Joi's first refusal as a 400 DomainError naming the field (never a crash of the host).
const checked = <T>(schema: Joi.Schema, value: unknown): T => {
    const { error, value: valid } = schema.validate(value, { abortEarly: true, convert: true }) as { error?: Joi.ValidationError; value: T };
    if (error) {
        const detail = error.details[0];
        throw badRequest(detail?.path.join('.') || String(detail?.context?.label ?? 'value'), detail?.message ?? error.message);
    }

    return valid;
};

export const alertsFor = (runtime: Runtime, server: Server): Alerts => {
    const { settings } = runtime;
    const log = (data: Record<string, unknown>, tags: string[] = []) => server.log(['nova-autoscale', 'alert', ...tags], data);

    const fire = async (claim: AttemptClaim, eventId: string | null): Promise<FiredAttempts> => {
        const store = storeOf(runtime);
        const triggers: TriggerResult[] = [];
        const skipped: SkippedAction[] = [];
        const circleBack = isCircleBack(claim.attempt);
        for (const action of claim.actions) {
            try {
                triggers.push(await store.trigger({
                    tenantId: TenantId(claim.key.tenantId), groupId: GroupId(action.groupId), policyId: PolicyId(action.policyId),
                    source: 'alert',
                    eventId: eventId === null ? null : `${eventId}:${action.policyId}`,
                    forced: false,
                    circleBack,
                    who: `alert:${claim.key.ruleId}`,
                    note: circleBack ? `alert still CRITICAL: attempt ${claim.attempt} of ${settings.alerts.circleBackCap}` : null
                }, { debounceMs: settings.supervisor.debounceMs, region: regionOf(runtime) }));
            }
            catch (err) {
                // One gone group or policy must not stop the rest; the attempt still counts.
                const type = err instanceof DomainError ? err.type : 'InternalError';
                const message = err instanceof Error ? err.message : String(err);
                skipped.push({ groupId: action.groupId, policyId: action.policyId, attempt: claim.attempt, type, message });
                log({ message: `alert action skipped: ${message}`, ...claim.key, ...action, attempt: claim.attempt }, err instanceof DomainError ? [] : ['error']);
            }
        }

        return { triggers, skipped };
    };

    const transition = async (input: AlertTransitionInput): Promise<AlertOutcome> => {
        const t = checked<Omit<AlertTransitionInput, 'at'> & { at: Date }>(alertTransitionSchema, input);
        const key = { tenantId: t.tenantId, ruleId: t.ruleId, entityId: t.entityId ?? '' };
        const now = settings.clock.now();
        const store = storeOf(runtime);
        const record = { ...key, eventId: t.eventId, at: t.at, to: t.to, actions: t.actions, now };
        if (t.to === 'CRITICAL' && settings.alerts.circleBackCap >= 1) {
            const start = await store.startAlertEpisode(record, floorMs(runtime));
            if (start.status === 'replay') {
                return { status: 'replay', triggers: [], skipped: [] };
            }

            if (start.status === 'started') {
                return { status: 'taken', ...await fire(start.claim, t.eventId) };
            }
        }

        const recorded = await store.recordAlert(record);
        if (recorded.status === 'replay') {
            return { status: 'replay', triggers: [], skipped: [] };
        }

        if (recorded.status === 'stale') {
            log({ message: 'stale alert transition ignored', ...key, eventId: t.eventId, at: t.at.toISOString(), lastAt: recorded.lastAt.toISOString() });
            return { status: 'stale', triggers: [], skipped: [] };
        }

        if (recorded.step !== 'start') {
            return { status: 'taken', triggers: [], skipped: [] };
        }

        // The episode's first attempt, claimed like a circle-back so that it is
        // counted once even if the loop of another instance reaches it first.
        const [claim] = await store.claimAlertAttempts({
            now, cap: settings.alerts.circleBackCap, floorMs: floorMs(runtime), limit: 1, only: { ...key, attempts: 0 }
        });
        return { status: 'taken', ...(claim ? await fire(claim, t.eventId) : { triggers: [], skipped: [] }) };
    };

    const validateAction = async (tenantId: string, action: unknown): Promise<AutoscaleAction> => {
        const tenant = checked<string>(id.label('tenantId'), tenantId);
        const valid = checked<AutoscaleAction>(actionSchema, action);
        try {
            await storeOf(runtime).getPolicy(TenantId(tenant), GroupId(valid.groupId), PolicyId(valid.policyId));
        }
        catch (err) {
            if (err instanceof DomainError && err.kind === 'not_found') {
                // Another tenant's group is as unknown as one that never was.
                throw badRequest(err.type === 'NoSuchScalingGroupError' ? 'groupId' : 'policyId', err.message);
            }

            throw err;
        }

        return valid;
    };

    return { transition, validateAction, fire };
};

// A circle-back sooner than the debounce window would only be coalesced.
export const floorMs = (runtime: Runtime): number =>
    Math.max(runtime.settings.alerts.minDelayMs, runtime.settings.supervisor.debounceMs);
