// The cluster's live instances (contract §9), for an operator: which hosts
// run the plugin on this PostgreSQL, and how many group leases each holds.
import type { ServerRoute } from '@hapi/hapi';
import { adminAuth, type Context } from '../context';
import { instanceView } from '../wire';

export const adminInstanceRoutes = (context: Context): ServerRoute[] => [
    {
        method: 'GET',
        path: '/admin/instances',
        options: { auth: adminAuth(context) },
        handler: async () => ({ instances: (await context.engine.instances.list()).map(instanceView) })
    }
];
