// nova-autoscale as a Hapi plugin: register(server, options) checks the
// options once, makes the store and the engine, and mounts the API under
// whatever prefix the host gives; onPreStart opens the database and starts the
// engine's loops, onPostStop drains them and lets the database go.
import type { Plugin, Server } from '@hapi/hapi';
import { name, version } from '../package.json';
import type { Registry } from 'prom-client';
import { pluginMetrics } from '../adapters/metrics/prometheus';
import { logTelemetry } from '../adapters/telemetry/log';
import { allOf, type PluginTelemetry } from '../adapters/telemetry/plugin-telemetry';
import type { Log } from '../core/engine/log';
import type Joi from 'joi';
import { makeEngine, type Engine } from '../core/engine/engine';
import type { AutoscaleAction } from '../core/model/alert';
import type { ConvergenceStore } from '../core/ports/convergence';
import type { DeliveryStore } from '../core/ports/deliveries';
import type { GroupsStore } from '../core/ports/groups';
import type { InstanceStore } from '../core/ports/instances';
import type { SupervisionStore } from '../core/ports/supervision';
import type { WorkflowStore } from '../core/ports/workflows';
import { registerKeystoneScheme } from './auth';
import { bodyTimeout, withBodyTimeout } from './body-timeout';
import { enginePortsFor, engineSettingsOf, storeFor, tokenValidatorFor } from './compose';
import type { Context } from './context';
import { renderErrors } from './errors';
import { actionSchema, checkedTransition, validateActionWith, type AlertTransitionInput } from './intake/alerts';
import { settingsOf, type PluginOptions, type Settings } from './options';
import { activityRoutes } from './routes/activity';
import { adminRoutes } from './routes/admin';
import { adminInstanceRoutes } from './routes/admin-instances';
import { openApiRoutes } from './openapi';
import { metricsRoutes } from './routes/metrics';
import { pathGuard } from './path-guard';
import { writeRoles } from './roles';
import { capabilityRoutes } from './routes/capability';
import { convergeRoutes } from './routes/converge';
import { executeRoutes } from './routes/execute';
import { groupRoutes } from './routes/groups';
import { operatorPageRoutes } from './routes/operator-page';
import { overrideRoutes } from './routes/override';
import { policyRoutes } from './routes/policies';
import { serverRoutes } from './routes/servers';
import { catchAllRoute, serviceRoutes } from './routes/service';
import { webhookRoutes } from './routes/webhooks';
import { workflowRoutes } from './routes/workflow';
import { workflowCallbackRoutes } from './routes/workflow-callback';
import type { AlertOutcome } from '../core/engine/alert-intake';

export type { PluginOptions } from './options';
export type { AlertTransitionInput } from './intake/alerts';
export type { AlertOutcome, SkippedAction } from '../core/engine/alert-intake';
export type { AlertState, AutoscaleAction } from '../core/model/alert';

// The name and version are the package's own.
const pkg = { name, version };

// What a host reaches through server.plugins['nova-autoscale']: besides the
// alert API, the engine's calls for tests and hosts that drive time (one
// circle-back round, one pruning, one converger run or sweep; see core/engine/engine.ts).
export interface NovaAutoscaleApi extends Pick<Engine, 'runOnce' | 'pruneOnce' | 'convergeOnce' | 'sweepOnce' | 'convergerEnabled'> {
    readonly settings: Readonly<Settings>;
    // The engine's services (groups, supervisor, alerts) and loops, for hosts and tests that drive them.
    readonly engine: Engine;
    // The store's ports; they answer between onPreStart and onPostStop.
    readonly stores: {
        readonly groups: GroupsStore; readonly supervision: SupervisionStore; readonly convergence: ConvergenceStore; readonly workflows: WorkflowStore;
        readonly deliveries: DeliveryStore; readonly instances: InstanceStore;
    };
    // The auth strategy the plugin's routes use, for a host's own routes (with TENANT_SCOPE).
    readonly strategy: string;
    // The plugin's Prometheus registry, for a host that serves its own /metrics
    // (Registry.merge); null when the host turned metrics off.
    readonly metrics: Registry | null;
    // Alerts in process (contract §6).
    readonly actionSchema: Joi.ObjectSchema<AutoscaleAction>;
    validateAction(tenantId: string, action: unknown): Promise<AutoscaleAction>;
    alertTransition(transition: AlertTransitionInput): Promise<AlertOutcome>;
}

declare module '@hapi/hapi' {
    interface PluginProperties {
        'nova-autoscale': NovaAutoscaleApi;
    }
}

const builtInStrategy = 'nova-autoscale-keystone';

const useAuth = (server: Server, settings: Settings, telemetry: PluginTelemetry): string => {
    if (settings.auth.strategy) {
        return settings.auth.strategy; // the host's own; its credentials carry our scopes
    }

    registerKeystoneScheme(server);
    server.auth.strategy(builtInStrategy, 'keystone-token', {
        validator: tokenValidatorFor(settings, telemetry),
        adminRole: settings.auth.adminRole,
        adminProject: settings.auth.adminProject
    });
    return builtInStrategy;
};

export const plugin: Plugin<PluginOptions> = {
    pkg,
    requirements: { hapi: '>=21.0.0', node: '>=20' },
    register: (server, options) => {
        const settings = settingsOf(options);
        const store = storeFor(settings);
        const prefix = server.realm.modifiers.route.prefix ?? '';
        // Everything the plugin says goes through the host's logger, tagged with its name.
        const log: Log = (tags, data) => server.log(['nova-autoscale', ...tags], data);
        // Counted unless the host turned metrics off; logged whatever it does.
        const metrics = settings.metrics.enabled ? pluginMetrics(store.tallies, settings.clock) : null;
        const telemetry = metrics === null ? logTelemetry(log) : allOf([metrics, logTelemetry(log)]);
        const engine = makeEngine(enginePortsFor(settings, store, log, telemetry), engineSettingsOf(settings, prefix));
        const context: Context = { settings, prefix, strategy: useAuth(server, settings, telemetry), engine };

        server.ext('onPreStart', async () => {
            await store.open();
            await engine.start();
        });
        server.ext('onPostStop', async () => {
            await engine.stop();
            await store.close();
        });
        server.ext('onPreResponse', renderErrors, { sandbox: 'plugin' });
        server.ext(pathGuard(context));
        server.ext(writeRoles(settings.auth.adminRole));
        server.ext(bodyTimeout(settings.bodyTimeoutMs, engine.scheduler));

        // The options every route of ours shares are set here, once.
        server.route(withBodyTimeout([
            ...serviceRoutes(context), ...groupRoutes(context), ...policyRoutes(context), ...webhookRoutes(context), ...workflowRoutes(context), ...executeRoutes(context),
            ...activityRoutes(context), ...overrideRoutes(context), ...convergeRoutes(context), ...serverRoutes(context), ...adminRoutes(context), ...adminInstanceRoutes(context),
            ...capabilityRoutes(context), ...workflowCallbackRoutes(context), ...openApiRoutes(), ...(metrics === null ? [] : metricsRoutes(context, metrics)), ...operatorPageRoutes(), ...catchAllRoute(context)
        ], settings.bodyTimeoutMs));
        const api: NovaAutoscaleApi = {
            settings,
            engine,
            stores: {
                groups: store.groups, supervision: store.supervision, convergence: store.convergence, workflows: store.workflows, deliveries: store.deliveries,
                instances: store.instances
            },
            strategy: context.strategy,
            metrics: metrics?.registry ?? null,
            actionSchema,
            validateAction: validateActionWith(engine),
            alertTransition: async (input) => engine.alerts.transition(checkedTransition(input)),
            runOnce: engine.runOnce,
            pruneOnce: engine.pruneOnce,
            convergeOnce: engine.convergeOnce,
            sweepOnce: engine.sweepOnce,
            convergerEnabled: engine.convergerEnabled
        };
        for (const [key, value] of Object.entries(api)) {
            server.expose(key, value);
        }
    }
};

export default plugin;

// For hosts: the service account from OS_* / OS_CLOUD, the OpenStack way.
export { serviceAccountFromEnv, type ServiceAccount } from '../adapters/keystone/service-account';

// For hosts' own routes (examples/monitoring-api.ts): the errors the plugin
// renders, how it renders them, and the scope its tenant routes require.
export { DomainError, type DomainErrorKind } from '../core/model/errors';
export { TENANT_SCOPE } from './auth';
export { renderErrors, validationFailed } from './errors';

// For hosts' request loggers: a request's path and headers as a log may show them.
export { loggableHeaders, loggablePath, REDACTED, SECRET_HEADERS } from './log-redaction';
