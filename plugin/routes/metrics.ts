// GET /metrics (contract §10): the plugin's series and the process's, as
// Prometheus text. An admin's token, unless the host opened it (`metrics.auth: false`).
import type { ServerRoute } from '@hapi/hapi';
import type { PluginMetrics } from '../../adapters/metrics/prometheus';
import { adminAuth, type Context } from '../context';

export const metricsRoutes = (context: Context, metrics: PluginMetrics): ServerRoute[] => [{
    method: 'GET',
    path: '/metrics',
    options: { auth: context.settings.metrics.auth ? adminAuth(context) : false },
    handler: async (_request, h) => h.response(await metrics.scrape()).type(metrics.registry.contentType).header('cache-control', 'no-store')
}];
