// POST .../converge: ask for a convergence now. The request is checked (group
// exists, not paused) and recorded; the store the routes use then kicks the
// converger for the group (plugin/kicking-store.ts), which runs after the answer.
import type { ServerRoute } from '@hapi/hapi';
import { DomainError } from '../../core/model/errors';
import { tenantAuth, whoOf, type Context } from '../context';
import * as Schemas from '../schemas';
import { groupIdOf, tenantIdOf } from './params';
import { validate } from './validate';

export const convergeRoutes = (context: Context): ServerRoute[] => [{
    method: 'POST',
    path: '/v1.0/{tenantId}/groups/{groupId}/converge',
    options: { auth: tenantAuth(context), validate: validate({ params: Schemas.groupParams }) },
    handler: async (request, h) => {
        const result = await context.engine.supervisor.requestConverge(tenantIdOf(request), groupIdOf(request), whoOf(request));
        if (result.paused) {
            // Contract §4: 403 `paused`, with the activity row that explains it.
            throw new DomainError('forbidden', 'GroupPausedError', 'The group is paused: resume it to converge', { reason: 'paused', activityId: result.activityId });
        }

        return h.response().code(204);
    }
}];
