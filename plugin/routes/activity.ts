// The activity log: every decision and convergence step of a group, newest first.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { tenantAuth, tenantRoot, type Context } from '../context';
import * as Schemas from '../schemas';
import { activityView, pageLinks } from '../wire';
import { groupIdOf, tenantIdOf } from './params';
import { validate } from './validate';

const activityQuery = Joi.object({
    limit: Schemas.pageQuery.extract('limit'),
    marker: Joi.string().pattern(/^\d{1,18}$/, 'activity id')
});

export const activityRoutes = (context: Context): ServerRoute[] => {
    const auth = tenantAuth(context);
    return [
        {
            method: 'GET',
            path: '/v1.0/{tenantId}/groups/{groupId}/activity',
            options: { auth, validate: validate({ params: Schemas.groupParams, query: activityQuery }) },
            handler: async (request) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request);
                const { limit, marker } = request.query as { limit: number; marker?: string };
                const page = await context.engine.groups.listActivity(tenantId, groupId, { limit, marker });
                return {
                    activity: page.items.map(activityView),
                    activity_links: pageLinks(`${tenantRoot(context, request, tenantId)}/groups/${groupId}/activity`, limit, page.next)
                };
            }
        }
    ];
};
