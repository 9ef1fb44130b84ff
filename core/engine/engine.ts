// The engine, made once and whole when the plugin registers: the services the
// routes and the host call (groups, supervisor, alerts, links) and the loops
// that run in the background (converger, circle-back, this instance's
// heartbeat), over the ports it is given. start() and stop() are its whole
// life cycle (onPreStart, onPostStop).
import { noTelemetry, type Telemetry } from '../ports/telemetry';
import { sweepShare } from '../decide/sweep-share';
import type { ConvergeResult } from '../converge/run';
import type { Limits } from '../model/group';
import type { TenantId } from '../model/ids';
import type { InstanceIdentity } from '../model/instance';
import type { Clock } from '../ports/clock';
import type { ConvergenceStore } from '../ports/convergence';
import type { DeliveryStore } from '../ports/deliveries';
import type { GroupsStore } from '../ports/groups';
import type { InstanceStore } from '../ports/instances';
import type { LaunchVisibility } from '../ports/launch-visibility';
import type { Scheduler } from '../ports/scheduler';
import type { CronTimes, ScheduleStore } from '../ports/schedules';
import type { SupervisionStore } from '../ports/supervision';
import type { WebhookSender, WebhookUrlCheck } from '../ports/webhooks';
import type { Workflow, WorkflowStore } from '../ports/workflows';
import { alertIntake, type AlertIntake } from './alert-intake';
import { supervisorLoops, type LoopReport } from './circle-back';
import { convergerLoop, type ConvergerSettings, type OpenedCompute } from './converger-loop';
import { groups, type Groups } from './groups';
import { instanceLoop, type InstanceLoop } from './instances';
import type { Log } from './log';
import { schedules, type Schedules } from './schedules';
import { serverEndpoint, type EndpointAnswer } from './server-links';
import { supervisor, type Supervisor } from './supervisor';
import { webhookDeliveries, type WebhookDeliveries } from './webhook-deliveries';
import { workflowRunner, type WorkflowRunner } from './workflow-runner';

export interface EngineSettings {
    readonly region: string | null;             // the region kill-switches are matched against
    readonly limits: Limits;
    readonly debounceMs: number;
    readonly activityPerGroup: number;
    readonly alerts: {
        readonly circleBackCap: number; readonly intervalMs: number; readonly minDelayMs: number; readonly pruneIntervalMs: number; readonly eventRetentionS: number;
    };
    readonly converger: ConvergerSettings;
    readonly workflows: { readonly intervalMs: number; readonly batch: number };
    readonly schedules: { readonly intervalMs: number; readonly graceMs: number; readonly concurrency: number };
    // Instances not seen for leaseTtlS are gone; this one beats every heartbeatMs.
    readonly cluster: { readonly leaseTtlS: number; readonly heartbeatMs: number };
    // The customer webhook's delivery loop; publicRoot: callbacks' base from the public URL setting.
    readonly webhooks: {
        readonly intervalMs: number; readonly batch: number; readonly concurrency: number; readonly attemptTimeoutMs: number;
        readonly publicRoot: string | null;
    };
}

export interface EnginePorts {
    readonly groups: GroupsStore;
    readonly supervision: SupervisionStore;
    readonly convergence: ConvergenceStore;
    readonly workflows: WorkflowStore;
    readonly instances: InstanceStore;
    // The workflows the host registered, by the name a group's workflow gives.
    readonly hostWorkflows: ReadonlyMap<string, Workflow>;
    // The webhook outbox, one signed attempt, and the check of a URL before it is written.
    readonly deliveries: DeliveryStore;
    readonly webhookSender: WebhookSender;
    readonly webhookUrlCheck: WebhookUrlCheck;
    // Schedule policies and when a cron is due.
    readonly schedules: ScheduleStore;
    readonly cronTimes: CronTimes;
    readonly newId: () => string;             // ids the engine makes (webhook deliveries)
    readonly random: () => number;            // a non-negative integer, the host's randomness (where a schedule tick starts)
    readonly clock: Clock;
    readonly scheduler: Scheduler;
    readonly log: Log;
    // The converger's Compute, made at each start and closed at each stop (null: none configured).
    readonly computeEnabled: boolean;
    readonly openCompute: () => OpenedCompute | null;
    // Whether openCompute gives Octavia too: a launch configuration naming load balancers is refused otherwise.
    readonly loadBalancersEnabled: boolean;
    // This process in the cluster; its id is also the prefix of its group lease holders.
    readonly instance: InstanceIdentity;
    // What a customer's project can see, for launch configurations (null: not asked).
    readonly launchVisibility: LaunchVisibility | null;
    // What the operator is told: counted and logged (nothing when absent).
    readonly telemetry?: Telemetry;
}

export interface Engine {
    readonly groups: Groups;
    readonly supervisor: Supervisor;
    readonly alerts: AlertIntake;
    serverEndpoint(tenantId: TenantId): Promise<EndpointAnswer>;
    // The timers it runs on, for the plugin's own "later" (a request's deadlines).
    readonly scheduler: Scheduler;
    // For tests and hosts that drive time.
    runOnce(now?: Date): Promise<LoopReport>;
    pruneOnce(): Promise<number>;
    convergeOnce(groupId?: string): Promise<readonly ConvergeResult[]>;
    sweepOnce(): Promise<readonly ConvergeResult[]>;
    readonly convergerEnabled: boolean;
    // One round of the workflow runner, and a wait for the host calls it started.
    readonly workflows: Pick<WorkflowRunner, 'runOnce' | 'settle'>;
    // The webhook's: a delivery round, a callback, the check of a URL.
    readonly webhooks: Pick<WebhookDeliveries, 'runOnce' | 'callback'> & { readonly checkUrl: WebhookUrlCheck };
    // One look for due schedule times (every instance's loop does this each interval).
    readonly schedules: Pick<Schedules, 'runOnce'>;
    // This instance's id, and the cluster's live instances.
    readonly instances: Pick<InstanceLoop, 'self' | 'list'>;
    start(): Promise<void>;
    stop(): Promise<void>;
}

export const makeEngine = (ports: EnginePorts, settings: EngineSettings): Engine => {
    const { clock, scheduler, log } = ports;
    const telemetry = ports.telemetry ?? noTelemetry;
    const converger = convergerLoop({
        store: ports.convergence, enabled: ports.computeEnabled, openCompute: ports.openCompute, clock, scheduler, log, telemetry,
        instance: ports.instance.id, region: settings.region, settings: settings.converger,
        sweepShare: async () => sweepShare((await cluster.list()).map((i) => i.id), ports.instance.id)
    });
    const cluster = instanceLoop({ store: ports.instances, self: ports.instance, clock, scheduler, log, ...settings.cluster });
    const kick = converger.kick;
    const supervision = supervisor({ store: ports.supervision, clock, rules: { debounceMs: settings.debounceMs, region: settings.region }, kick, telemetry });
    // A circle-back sooner than the debounce window would only be coalesced.
    const floorMs = Math.max(settings.alerts.minDelayMs, settings.debounceMs);
    const alerts = alertIntake({ store: ports.supervision, supervisor: supervision, clock, circleBackCap: settings.alerts.circleBackCap, floorMs, log });
    const runner = workflowRunner({
        store: ports.workflows, killSwitches: () => ports.supervision.listKillSwitches(), hostWorkflows: ports.hostWorkflows,
        clock, scheduler, log, region: settings.region, kick, intervalMs: settings.workflows.intervalMs, batch: settings.workflows.batch
    });
    const deliveries = webhookDeliveries({
        store: ports.deliveries, sender: ports.webhookSender, killSwitches: () => ports.supervision.listKillSwitches(), clock, scheduler, log, telemetry,
        region: settings.region, kick, newId: ports.newId, ...settings.webhooks,
        servers: async (tenantId) => {
            const compute = converger.compute();
            return compute === null ? null : compute.listServers({ projectId: tenantId, region: settings.region });
        }
    });
    const scheduled = schedules({
        store: ports.schedules, cronTimes: ports.cronTimes, trigger: supervision.trigger, clock, scheduler, log, telemetry, startAt: ports.random, ...settings.schedules
    });
    const loops = supervisorLoops({
        supervision: ports.supervision, groups: ports.groups, alerts, clock, scheduler, log, circleBackCap: settings.alerts.circleBackCap, floorMs,
        intervalMs: settings.alerts.intervalMs, pruneIntervalMs: settings.alerts.pruneIntervalMs, activityPerGroup: settings.activityPerGroup,
        eventRetentionS: settings.alerts.eventRetentionS
    });

    return {
        groups: groups({ store: ports.groups, supervision: ports.supervision, clock, limits: settings.limits, kick, region: settings.region, visibility: ports.launchVisibility,
            loadBalancers: ports.loadBalancersEnabled
        }),
        supervisor: supervision,
        alerts,
        serverEndpoint: (tenantId) => serverEndpoint(converger.compute(), scheduler, tenantId, settings.region),
        scheduler,
        runOnce: loops.runOnce,
        pruneOnce: loops.pruneOnce,
        convergeOnce: converger.convergeOnce,
        sweepOnce: converger.sweepOnce,
        convergerEnabled: converger.enabled,
        workflows: { runOnce: runner.runOnce, settle: runner.settle },
        webhooks: { runOnce: deliveries.runOnce, callback: deliveries.callback, checkUrl: ports.webhookUrlCheck },
        schedules: { runOnce: scheduled.runOnce },
        instances: { self: cluster.self, list: cluster.list },
        // Registered before any lease is taken in its name; left after the last is let go.
        start: async () => {
            await cluster.start();
            loops.start();
            scheduled.start();
            converger.start();
            runner.start();
            deliveries.start();
        },
        stop: async () => {
            await scheduled.stop();
            await deliveries.stop();
            await ports.webhookSender.close?.();
            await runner.stop();
            await converger.stop(); // runs in flight finish before the database goes
            await loops.stop();
            await cluster.stop();
        }
    };
};
