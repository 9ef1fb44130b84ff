// Health and the tenant's limits.
import type { ServerRoute } from '@hapi/hapi';
import { DomainError } from '../../core/model/errors';
import { tenantAuth, type Runtime } from '../runtime';
import * as Schemas from '../schemas';
import { validate } from './validate';

export const serviceRoutes = (runtime: Runtime): ServerRoute[] => [
    {
        // 200 once the database answers and migrations are done (contract §1).
        method: 'GET',
        path: '/health',
        options: { auth: false },
        handler: async (_request, h) => {
            if (!runtime.current) {
                return h.response({ status: 'starting' }).code(503);
            }

            try {
                await runtime.current.ready();
                return { status: 'ok' };
            }
            catch {
                return h.response({ status: 'database unavailable' }).code(503);
            }
        }
    },
    {
        method: 'GET',
        path: '/v1.0/{tenantId}/limits',
        options: { auth: tenantAuth(runtime), validate: validate({ params: Schemas.tenantParams }) },
        handler: () => ({
            limits: {
                absolute: { ...runtime.settings.limits },
                rate: []
            }
        })
    }
];

// Under our own prefix, an unknown path or method still answers in the
// contract's error shape. (Mounted without a prefix, the host's 404 stands.)
export const catchAllRoute = (runtime: Runtime): ServerRoute[] => runtime.prefix === '' ? [] : [{
    method: '*',
    path: '/{any*}',
    options: { auth: false },
    handler: (request) => {
        throw new DomainError('not_found', 'NotFoundError', `No route ${request.method.toUpperCase()} ${request.path}`);
    }
}];
