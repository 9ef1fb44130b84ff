// Triggers a tenant sends by hand, and the activity log that explains them.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { DomainError } from '../../core/model/errors';
import type { TriggerResult } from '../../core/model/trigger';
import { regionOf, storeOf, tenantAuth, tenantRoot, whoOf, type Runtime } from '../runtime';
import * as Schemas from '../schemas';
import { activityView, pageLinks } from '../wire';
import { groupIdOf, policyIdOf, tenantIdOf } from './params';
import { validate } from './validate';

// A refused trigger is 403 with the same reason code as its activity row (contract §4).
export const refusedOr202 = (result: TriggerResult) => {
    if (result.outcome === 'refused') {
        throw new DomainError('forbidden', 'CannotExecutePolicyError', result.message, { reason: result.reason, activityId: result.activityId });
    }

    return { activity: { id: result.activityId, decisionId: result.decisionId, outcome: result.outcome, reason: result.reason, desiredBefore: result.desiredBefore, desiredAfter: result.desiredAfter } };
};

const activityQuery = Joi.object({
    limit: Schemas.pageQuery.extract('limit'),
    marker: Joi.string().pattern(/^\d{1,18}$/, 'activity id')
});

export const activityRoutes = (runtime: Runtime): ServerRoute[] => {
    const auth = tenantAuth(runtime);
    return [
        {
            method: 'POST',
            path: '/v1.0/{tenantId}/groups/{groupId}/policies/{policyId}/execute',
            options: { auth, validate: validate({ params: Schemas.policyParams }) },
            handler: async (request, h) => {
                const result = await storeOf(runtime).trigger({
                    tenantId: tenantIdOf(request), groupId: groupIdOf(request), policyId: policyIdOf(request),
                    source: 'manual', eventId: null, forced: false, circleBack: false, who: whoOf(request), note: null
                }, { debounceMs: runtime.settings.supervisor.debounceMs, region: regionOf(runtime) });
                return h.response(refusedOr202(result)).code(202);
            }
        },
        {
            method: 'GET',
            path: '/v1.0/{tenantId}/groups/{groupId}/activity',
            options: { auth, validate: validate({ params: Schemas.groupParams, query: activityQuery }) },
            handler: async (request) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request);
                const { limit, marker } = request.query as { limit: number; marker?: string };
                const page = await storeOf(runtime).listActivity(tenantId, groupId, { limit, marker });
                return {
                    activity: page.items.map(activityView),
                    activity_links: pageLinks(`${tenantRoot(runtime, request, tenantId)}/groups/${groupId}/activity`, limit, page.next)
                };
            }
        }
    ];
};
