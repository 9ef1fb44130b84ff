// DELETE .../servers/{serverId}?replace=true|false (contract §4): a server the
// ledger holds for this group (404 otherwise) is marked for deletion; with
// replace=false desired goes down by one, as a decision with its activity row.
// The converger sends the delete (and the replacement's create).
import type { ServerRoute } from '@hapi/hapi';
import { DomainError } from '../../core/model/errors';
import { tenantAuth, whoOf, type Context } from '../context';
import * as Schemas from '../schemas';
import { groupIdOf, tenantIdOf } from './params';
import { validate } from './validate';

export const serverRoutes = (context: Context): ServerRoute[] => [{
    method: 'DELETE',
    path: '/v1.0/{tenantId}/groups/{groupId}/servers/{serverId}',
    options: { auth: tenantAuth(context), validate: validate({ params: Schemas.serverParams, query: Schemas.deleteServerQuery }) },
    handler: async (request, h) => {
        const serverId = String(request.params.serverId);
        const { replace } = request.query as { replace: boolean };
        const result = await context.engine.supervisor.removeServer(tenantIdOf(request), groupIdOf(request), serverId, { replace, who: whoOf(request) });
        if (result.outcome === 'refused') {
            throw new DomainError('forbidden', 'CannotDeleteServerError', result.message, { reason: result.reason });
        }

        return h.response().code(202);
    }
}];
