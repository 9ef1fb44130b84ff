// POST .../policies/{policyId}/execute: a tenant runs a policy by hand. The
// supervisor decides (core/engine/supervisor.ts); a refusal is 403 with the
// same reason code as its activity row (contract §4). A member may force it
// (`{force: true, reason}`): past the cooldown and the debounce, as an
// admin's forced execute, never past the bounds, a pause or a kill-switch.
import type { ServerRoute } from '@hapi/hapi';
import { DomainError } from '../../core/model/errors';
import type { TriggerResult } from '../../core/model/trigger';
import { tenantAuth, whoOf, type Context } from '../context';
import * as Schemas from '../schemas';
import { groupIdOf, policyIdOf, tenantIdOf } from './params';
import { validate } from './validate';

export const refusedOr202 = (result: TriggerResult) => {
    if (result.outcome === 'refused') {
        throw new DomainError('forbidden', 'CannotExecutePolicyError', result.message, { reason: result.reason, activityId: result.activityId });
    }

    return { activity: { id: result.activityId, decisionId: result.decisionId, outcome: result.outcome, reason: result.reason, desiredBefore: result.desiredBefore, desiredAfter: result.desiredAfter } };
};

export const executeRoutes = (context: Context): ServerRoute[] => [{
    method: 'POST',
    path: '/v1.0/{tenantId}/groups/{groupId}/policies/{policyId}/execute',
    options: { auth: tenantAuth(context), validate: validate({ params: Schemas.policyParams, payload: Schemas.tenantExecute }) },
    handler: async (request, h) => {
        const body = request.payload as { force: boolean; reason?: string } | null;
        const forced = body?.force === true;
        const result = await context.engine.supervisor.trigger({
            tenantId: tenantIdOf(request), groupId: groupIdOf(request), policyId: policyIdOf(request),
            source: 'manual', eventId: null, forced, circleBack: false, who: whoOf(request), note: forced ? body?.reason ?? null : null,
            requestId: request.info.id
        });
        return h.response(refusedOr202(result)).code(202);
    }
}];
