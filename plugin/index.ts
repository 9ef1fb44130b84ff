// nova-autoscale as a Hapi plugin: register(server, options) mounts the API
// under whatever prefix the host gives; onPreStart readies the database,
// onPostStop lets it go.
import type { Plugin, Server } from '@hapi/hapi';
import { openDatabase } from '../adapters/store/database';
import { openKnexStore } from '../adapters/store/knex-store';
import type { Store } from '../core/ports/store';
import { renderErrors } from './errors';
import { tokenValidatorFor } from './identity';
import { registerKeystoneScheme } from './auth';
import { settingsOf, type PluginOptions, type Settings } from './options';
import { activityRoutes } from './routes/activity';
import { groupRoutes } from './routes/groups';
import { policyRoutes } from './routes/policies';
import { catchAllRoute, serviceRoutes } from './routes/service';
import { webhookRoutes } from './routes/webhooks';
import type { Runtime } from './runtime';

export type { PluginOptions } from './options';

const pkg = { name: 'nova-autoscale', version: '0.1.0' };

// What a host reaches through server.plugins['nova-autoscale'].
export interface NovaAutoscaleApi {
    readonly settings: Readonly<Settings>;
    // The store once started; null before onPreStart has run.
    store(): Store | null;
}

declare module '@hapi/hapi' {
    interface PluginProperties {
        'nova-autoscale': NovaAutoscaleApi;
    }
}

const builtInStrategy = 'nova-autoscale-keystone';

const useAuth = (server: Server, settings: Settings): string => {
    if (settings.auth.strategy) {
        return settings.auth.strategy; // the host's own; its credentials carry our scopes
    }

    registerKeystoneScheme(server);
    server.auth.strategy(builtInStrategy, 'keystone-token', {
        validator: tokenValidatorFor(settings),
        adminRole: settings.auth.adminRole
    });
    return builtInStrategy;
};

export const plugin: Plugin<PluginOptions> = {
    pkg,
    requirements: { hapi: '>=21.0.0', node: '>=20' },
    register: (server, options) => {
        const settings = settingsOf(options);
        const runtime: Runtime = {
            settings,
            prefix: server.realm.modifiers.route.prefix ?? '',
            strategy: useAuth(server, settings),
            current: null,
            alerts: null
        };

        const database = openDatabase(settings.database);
        server.ext('onPreStart', async () => {
            runtime.current = await openKnexStore(database, { migrate: settings.migrate, capabilityKey: settings.capabilityKey, clock: settings.clock });
        });
        server.ext('onPostStop', async () => {
            runtime.current = null;
            await database.close();
        });
        server.ext('onPreResponse', renderErrors, { sandbox: 'plugin' });

        server.route([...serviceRoutes(runtime), ...groupRoutes(runtime), ...policyRoutes(runtime), ...webhookRoutes(runtime), ...activityRoutes(runtime), ...catchAllRoute(runtime)]);
        server.expose('settings', settings);
        server.expose('store', () => runtime.current);
    }
};

export default plugin;

// For hosts: the service account from OS_* / OS_CLOUD, the OpenStack way.
export { serviceAccountFromEnv, type ServiceAccount } from '../adapters/nova/service-account';
