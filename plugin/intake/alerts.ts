// Alert transitions as the host hands them in (contract §6): joi checks them
// (a 400 naming the field, never a crash of the host), and the engine takes
// them from there (core/engine/alert-intake.ts). validateAction also checks
// that the tenant's group and policy exist.
import Joi from 'joi';
import type { AlertState, AlertTransition, AutoscaleAction } from '../../core/model/alert';
import { badRequest, DomainError } from '../../core/model/errors';
import { GroupId, PolicyId, TenantId } from '../../core/model/ids';
import type { Engine } from '../../core/engine/engine';
import * as Schemas from '../schemas';

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
    actions: actions.required(),
    // The host's request it came with (request.info.id), for the operator's log.
    requestId: Joi.string().max(256).optional()
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
    readonly requestId?: string | undefined;
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

export const checkedTransition = (input: AlertTransitionInput): AlertTransition =>
    checked<AlertTransition>(alertTransitionSchema, input);

export const validateActionWith = (engine: Engine) => async (tenantId: string, action: unknown): Promise<AutoscaleAction> => {
    const tenant = checked<string>(id.label('tenantId'), tenantId);
    const valid = checked<AutoscaleAction>(actionSchema, action);
    try {
        await engine.groups.getPolicy(TenantId(tenant), GroupId(valid.groupId), PolicyId(valid.policyId));
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
