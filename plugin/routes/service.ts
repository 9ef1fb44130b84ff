// Health and the tenant's limits.
import type { ServerRoute } from '@hapi/hapi';
import { DomainError } from '../../core/model/errors';
import { tenantAuth, type Context } from '../context';
import * as Schemas from '../schemas';
import { validate } from './validate';

export const serviceRoutes = (context: Context): ServerRoute[] => [
    {
        // 200 once the database answers and migrations are done (contract §1).
        method: 'GET',
        path: '/health',
        options: { auth: false },
        handler: async (_request, h) => {
            try {
                await context.engine.groups.ready();
                return { status: 'ok' };
            }
            catch (err) {
                // Before onPreStart has opened the store (or after onPostStop) it is not ready yet.
                const starting = err instanceof DomainError && err.type === 'NotReadyError';
                return h.response({ status: starting ? 'starting' : 'database unavailable' }).code(503);
            }
        }
    },
    {
        method: 'GET',
        path: '/v1.0/{tenantId}/limits',
        options: { auth: tenantAuth(context), validate: validate({ params: Schemas.tenantParams }) },
        handler: () => ({
            limits: {
                absolute: { ...context.settings.limits },
                rate: []
            }
        })
    }
];

// Under our own prefix, an unknown path or method still answers in the
// contract's error shape. (Mounted without a prefix, the host's 404 stands.)
export const catchAllRoute = (context: Context): ServerRoute[] => context.prefix === '' ? [] : [{
    method: '*',
    path: '/{any*}',
    options: { auth: false },
    handler: (request) => {
        throw new DomainError('not_found', 'NotFoundError', `No route ${request.method.toUpperCase()} ${request.path}`);
    }
}];
