// The cluster's live instances (contract §9), for an operator: which hosts
// run the plugin on this PostgreSQL, and how many group leases each holds.
import type { ServerRoute } from '@hapi/hapi';
import { ADMIN_SCOPE } from '../auth';
import type { Context } from '../context';
import { instanceView } from '../wire';

export const adminInstanceRoutes = (context: Context): ServerRoute[] => [
    {
        method: 'GET',
        path: '/admin/instances',
        options: { auth: { strategy: context.strategy, access: { scope: [ADMIN_SCOPE] } } },
        handler: async () => ({ instances: (await context.engine.instances.list()).map(instanceView) })
    }
];
