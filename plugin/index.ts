// nova-autoscale as a Hapi plugin: register(server, options) mounts the API
// under whatever prefix the host gives; onPreStart readies the database,
// onPostStop lets it go.
import type { Plugin, Server } from '@hapi/hapi';
import type Joi from 'joi';
import { openDatabase } from '../adapters/store/database';
import { openKnexStore } from '../adapters/store/knex-store';
import type { AutoscaleAction } from '../core/model/alert';
import type { ConvergeResult } from '../core/converge/run';
import type { Store } from '../core/ports/store';
import { actionSchema, alertsFor, type AlertOutcome, type AlertTransitionInput } from './alerts';
import { renderErrors } from './errors';
import { tokenValidatorFor } from './identity';
import { registerKeystoneScheme } from './auth';
import { convergerLoop } from './converger-loop';
import { kickingStore } from './kicking-store';
import { supervisorLoops, type LoopReport } from './loops';
import { settingsOf, type PluginOptions, type Settings } from './options';
import { activityRoutes } from './routes/activity';
import { adminRoutes } from './routes/admin';
import { convergeRoutes } from './routes/converge';
import { capabilityPathGuard, capabilityRoutes } from './routes/capability';
import { groupRoutes } from './routes/groups';
import { overrideRoutes } from './routes/override';
import { policyRoutes } from './routes/policies';
import { serverRoutes } from './routes/servers';
import { catchAllRoute, serviceRoutes } from './routes/service';
import { webhookRoutes } from './routes/webhooks';
import type { Runtime } from './runtime';

export type { PluginOptions } from './options';
export type { AlertOutcome, AlertTransitionInput, SkippedAction } from './alerts';
export type { AlertState, AutoscaleAction } from '../core/model/alert';

const pkg = { name: 'nova-autoscale', version: '0.1.0' };

// What a host reaches through server.plugins['nova-autoscale'].
export interface NovaAutoscaleApi {
    readonly settings: Readonly<Settings>;
    // The store once started; null before onPreStart has run.
    store(): Store | null;
    // The auth strategy the plugin's routes use, for a host's own routes (with TENANT_SCOPE).
    readonly strategy: string;
    // Alerts in process (contract §6).
    readonly actionSchema: Joi.ObjectSchema<AutoscaleAction>;
    validateAction(tenantId: string, action: unknown): Promise<AutoscaleAction>;
    alertTransition(transition: AlertTransitionInput): Promise<AlertOutcome>;
    // One round of the circle-back loop / of activity pruning, for tests and hosts that drive time.
    runOnce(now?: Date): Promise<LoopReport>;
    pruneOnce(): Promise<number>;
    // The converger, for tests and hosts that drive time: one run for a group
    // (after any in flight), or for every group with something to do; one
    // self-heal sweep. Empty when no converger runs (no compute configured).
    convergeOnce(groupId?: string): Promise<readonly ConvergeResult[]>;
    sweepOnce(): Promise<readonly ConvergeResult[]>;
    readonly convergerEnabled: boolean;
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
            alerts: null,
            kick: () => undefined,
            compute: null
        };

        const alerts = alertsFor(runtime, server);
        runtime.alerts = alerts;
        const loops = supervisorLoops(runtime, server, alerts);
        const converger = convergerLoop(runtime, server);
        runtime.kick = converger.kick;

        const database = openDatabase(settings.database);
        server.ext('onPreStart', async () => {
            const store = await openKnexStore(database, { migrate: settings.migrate, capabilityKey: settings.capabilityKey, clock: settings.clock });
            runtime.current = kickingStore(store, (groupId) => runtime.kick(groupId));
            loops.start();
            converger.start();
        });
        server.ext('onPostStop', async () => {
            await converger.stop(); // runs in flight finish before the database goes
            await loops.stop();
            runtime.current = null;
            await database.close();
        });
        server.ext('onPreResponse', renderErrors, { sandbox: 'plugin' });
        server.ext(capabilityPathGuard(runtime));

        server.route([...serviceRoutes(runtime), ...groupRoutes(runtime), ...policyRoutes(runtime), ...webhookRoutes(runtime), ...activityRoutes(runtime), ...overrideRoutes(runtime), ...convergeRoutes(runtime), ...serverRoutes(runtime), ...adminRoutes(runtime), ...capabilityRoutes(runtime), ...catchAllRoute(runtime)]);
        server.expose('settings', settings);
        server.expose('store', () => runtime.current);
        server.expose('strategy', runtime.strategy);
        server.expose('actionSchema', actionSchema);
        server.expose('validateAction', alerts.validateAction);
        server.expose('alertTransition', alerts.transition);
        server.expose('runOnce', loops.runOnce);
        server.expose('pruneOnce', loops.pruneOnce);
        server.expose('convergeOnce', converger.convergeOnce);
        server.expose('sweepOnce', converger.sweepOnce);
        server.expose('convergerEnabled', converger.enabled);
    }
};

export default plugin;

// For hosts: the service account from OS_* / OS_CLOUD, the OpenStack way.
export { serviceAccountFromEnv, type ServiceAccount } from '../adapters/keystone/service-account';

// ---- For hosts' own routes (examples/monitoring-api.ts): the errors the
// plugin renders, how it renders them, and the scope its tenant routes require.
export { DomainError, type DomainErrorKind } from '../core/model/errors';
export { TENANT_SCOPE } from './auth';
export { renderErrors, validationFailed } from './errors';
