// Which adapters the options choose, and the engine's settings from the
// plugin's: the only place plugin/ names an adapter.
import { cronTimes } from '../adapters/schedule/cron-times';
import { randomInt, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ClusterLink } from '../adapters/guard/cluster-link';
import type { PluginTelemetry } from '../adapters/telemetry/plugin-telemetry';
import { instanceUserAgent } from '../adapters/http/service-call';
import { KeystoneSession } from '../adapters/keystone/session';
import { KeystoneTokenValidator } from '../adapters/keystone/token-validator';
import { GuardedCompute } from '../adapters/nova/guarded-compute';
import { NovaCompute } from '../adapters/nova/compute';
import { OctaviaClient } from '../adapters/octavia/client';
import { GuardedOctavia } from '../adapters/octavia/guarded';
import { timerScheduler } from '../adapters/schedule/timers';
import { OpenStackLaunchVisibility } from '../adapters/visibility/launch-visibility';
import { openDatabase } from '../adapters/store/database';
import { parseCidrList, type AddressPolicy } from '../adapters/workflow-webhook/address-policy';
import { webhookSender, webhookUrlCheck } from '../adapters/workflow-webhook/sender';
import { knexStore, type KnexStore } from '../adapters/store/knex-store';
import type { EngineSettings, EnginePorts } from '../core/engine/engine';
import type { OpenedCompute } from '../core/engine/converger-loop';
import type { Log } from '../core/engine/log';
import { InstanceId } from '../core/model/ids';
import type { TokenValidator } from '../core/ports/identity';
import type { LaunchVisibility } from '../core/ports/launch-visibility';
import type { ServiceAccount } from '../adapters/keystone/service-account';
import type { Settings } from './options';

// The region kill-switches of this installation's groups are matched against.
export const regionOf = (settings: Settings): string | null =>
    settings.region ?? settings.openstack.serviceAccount?.regionName ?? null;

// The service account's own session (its token and catalog), one per plugin
// instance; its calls to Keystone are told to the plugin's telemetry.
const serviceSessions = new WeakMap<Settings, KeystoneSession>();
const serviceSession = (settings: Settings, account: NonNullable<Settings['openstack']['serviceAccount']>, telemetry: PluginTelemetry): KeystoneSession => {
    let session = serviceSessions.get(settings);
    if (session === undefined) {
        session = new KeystoneSession(account, { clock: settings.clock, observe: telemetry.openstackCall });
        serviceSessions.set(settings, session);
    }

    return session;
};

// The token validator the built-in Keystone scheme uses: the host's own, or
// Keystone asked as the service account.
export const tokenValidatorFor = (settings: Settings, telemetry: PluginTelemetry): TokenValidator => {
    if (settings.openstack.tokenValidator) {
        return settings.openstack.tokenValidator;
    }

    if (!settings.openstack.serviceAccount) {
        throw new Error('nova-autoscale options: give openstack.serviceAccount (or openstack.tokenValidator, or auth.strategy)');
    }

    return new KeystoneTokenValidator(serviceSession(settings, settings.openstack.serviceAccount, telemetry));
};

// Launch configurations are checked against the OpenStack the plugin creates
// servers in, with the writer's Keystone token. A host's own Compute has no
// Glance or Neutron of ours to ask, and a host's own token validator or auth
// strategy may take tokens OpenStack has never seen.
const launchVisibilityFor = (settings: Settings, telemetry: PluginTelemetry): LaunchVisibility | null => {
    const { serviceAccount, compute, tokenValidator } = settings.openstack;
    const keystoneTokens = tokenValidator === undefined && settings.auth.strategy === undefined;
    return serviceAccount === undefined || compute !== undefined || !keystoneTokens ? null : new OpenStackLaunchVisibility(serviceSession(settings, serviceAccount, telemetry));
};

// The cluster this instance is one of (contract §9): its Nova and Octavia
// holds and creation budgets are kept in the database every instance shares,
// under the service account's cloud.
const clusterLinkFor = (account: ServiceAccount, store: KnexStore, instance: string, log: Log): ClusterLink =>
    new ClusterLink(store.guards, account.authUrl, instance, log);

// Octavia as the service account (the members stages), with a breaker,
// Retry-After holds and a member creation budget of its own per region: the
// same settings as Nova's, never the same breaker.
const openMembersFor = (settings: Settings, account: ServiceAccount, cluster: ClusterLink, telemetry: PluginTelemetry): GuardedOctavia => {
    const { clock, converger } = settings;
    return new GuardedOctavia(new OctaviaClient(account, { clock, userAgent: instanceUserAgent(cluster.instance), observe: telemetry.openstackCall }), {
        clock,
        defaultRegion: regionOf(settings) ?? 'default',
        breaker: converger.breaker,
        createBudget: converger.createBudget,
        cluster,
        onBreakerChange: (region, state) => telemetry.breaker('load-balancer', region, state)
    });
};

// Whether a launch configuration naming load balancers can be honoured: not
// when servers are made (the host's own Compute) with no service account to
// reach Octavia as. With neither, no server is made at all, and nothing is refused.
export const loadBalancersEnabled = (settings: Settings): boolean =>
    settings.openstack.serviceAccount !== undefined || settings.openstack.compute === undefined;

// The host's own Compute as given; otherwise Nova as the service account,
// behind a breaker, Retry-After holds and a creation budget per region.
// Octavia's members need the service account (none without one).
const openComputeFor = (settings: Settings, store: KnexStore, instance: string, log: Log, telemetry: PluginTelemetry) => (): OpenedCompute | null => {
    const { openstack, clock, converger } = settings;
    const account = openstack.serviceAccount;
    if (account === undefined) {
        return openstack.compute ? { compute: openstack.compute, members: null, close: () => undefined } : null;
    }

    const cluster = clusterLinkFor(account, store, instance, log);
    const members = openMembersFor(settings, account, cluster, telemetry);
    if (openstack.compute) {
        return { compute: openstack.compute, members, close: () => members.close() };
    }

    // Each request names the instance that sent it, for Nova's logs (contract §9).
    const guarded = new GuardedCompute(new NovaCompute(account, { clock, userAgent: instanceUserAgent(instance), observe: telemetry.openstackCall }), {
        clock,
        defaultRegion: regionOf(settings) ?? 'default',
        breaker: converger.breaker,
        createBudget: converger.createBudget,
        cluster,
        onBreakerChange: (region, state) => telemetry.breaker('compute', region, state)
    });
    return {
        compute: guarded,
        members,
        close: () => {
            guarded.close();
            members.close();
        }
    };
};

export const storeFor = (settings: Settings): KnexStore =>
    knexStore(openDatabase(settings.database), { migrate: settings.migrate, capabilityKey: settings.capabilityKey, clock: settings.clock });

// The options' CIDRs were checked at register (plugin/options.ts).
const addressPolicyOf = (settings: Settings): AddressPolicy => {
    const cidrs = parseCidrList(settings.webhooks.allowCidrs);
    return { allowHttp: settings.webhooks.allowHttp, allowCidrs: cidrs.ok ? cidrs.value : [] };
};

const webhookOptionsOf = (settings: Settings) =>
    ({ policy: addressPolicyOf(settings), lookup: settings.webhooks.lookup, timeoutMs: settings.webhooks.attemptTimeoutMs });

export const enginePortsFor = (settings: Settings, store: KnexStore, log: Log, telemetry: PluginTelemetry): EnginePorts => {
    // A fresh id per registration: a restarted process is another instance.
    // Its leases and the guard holds it shares with the others carry it.
    const instance = { id: InstanceId(randomUUID()), host: hostname(), pid: process.pid };
    return {
        groups: store.groups,
        supervision: store.supervision,
        convergence: store.convergence,
        workflows: store.workflows,
        deliveries: store.deliveries,
        schedules: store.schedules,
        cronTimes,
        instances: store.instances,
        webhookSender: webhookSender({ ...webhookOptionsOf(settings), connections: settings.webhooks.concurrency }),
        webhookUrlCheck: webhookUrlCheck(webhookOptionsOf(settings)),
        hostWorkflows: new Map(Object.entries(settings.workflows)),
        clock: settings.clock,
        scheduler: timerScheduler,
        log,
        computeEnabled: settings.openstack.compute !== undefined || settings.openstack.serviceAccount !== undefined,
        loadBalancersEnabled: loadBalancersEnabled(settings),
        openCompute: openComputeFor(settings, store, instance.id, log, telemetry),
        telemetry,
        instance,
        newId: randomUUID,
        random: () => randomInt(2 ** 31),
        launchVisibility: launchVisibilityFor(settings, telemetry)
    };
};

// Schedule policies a tick looks at at once: each a trigger's few statements.
const SCHEDULE_CONCURRENCY = 8;

// `prefix`: where the host mounted the plugin's routes.
export const engineSettingsOf = (settings: Settings, prefix = ''): EngineSettings => ({
    region: regionOf(settings),
    limits: settings.limits,
    debounceMs: settings.supervisor.debounceMs,
    activityPerGroup: settings.supervisor.activityPerGroup,
    alerts: settings.alerts,
    converger: {
        convergeS: settings.intervals.convergeS,
        buildTimeoutS: settings.intervals.buildTimeoutS,
        orphanGraceS: settings.converger.orphanGraceS,
        leaseTtlS: settings.cluster.leaseTtlS,
        maxPasses: settings.converger.maxPasses,
        recheckMs: settings.converger.recheckMs,
        concurrency: settings.converger.concurrency,
        parallelGroups: settings.converger.parallelGroups,
        sweepBatch: settings.converger.sweepBatch,
        backoffBaseMs: settings.converger.backoffBaseMs,
        backoffCapMs: settings.converger.backoffCapMs,
        stormGuard: settings.converger.stormGuard
    },
    workflows: settings.workflowRunner,
    schedules: { intervalMs: settings.schedules.intervalMs, graceMs: settings.schedules.graceS * 1000, concurrency: SCHEDULE_CONCURRENCY },
    cluster: settings.cluster,
    webhooks: {
        intervalMs: settings.webhooks.intervalMs, batch: settings.webhooks.batch, concurrency: settings.webhooks.concurrency,
        attemptTimeoutMs: settings.webhooks.attemptTimeoutMs,
        publicRoot: settings.publicUrl === undefined ? null : `${settings.publicUrl}${prefix}/v1.0`
    }
});
