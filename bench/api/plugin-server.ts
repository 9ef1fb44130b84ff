// The real stack: Hapi on loopback, the plugin mounted at /autoscale, its
// built-in Keystone scheme validating X-Auth-Token as the service account.
import Hapi from '@hapi/hapi';
import type { Knex } from 'knex';
import type { ServiceAccount } from '../../adapters/keystone/service-account';
import { plugin } from '../../plugin';

// Far above any tenant's real limit (default 1000): a run creates more groups than that in one tenant.
const BENCH_MAX_GROUPS = 10_000_000;

export const apiServer = async (knex: Knex, serviceAccount: ServiceAccount): Promise<Hapi.Server> => {
    const server = Hapi.server({ host: '127.0.0.1', port: 0 });
    // The host's knex (as test/support/server.ts mounts it), opened by openDatabase exactly as the plugin would.
    await server.register({
        plugin,
        options: { database: { knex }, openstack: { serviceAccount }, limits: { maxGroups: BENCH_MAX_GROUPS } }
    }, { routes: { prefix: '/autoscale' } });
    return server;
};
