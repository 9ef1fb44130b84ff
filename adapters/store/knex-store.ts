// The store's ports over knex (PostgreSQL or embedded PGlite): groups,
// supervision, convergence, workflows, deliveries and instances. Made when the plugin registers; it answers
// once opened (migrations run, the capability key loaded) and until closed,
// and refuses with NotReadyError (503) outside that.
import { tallies, type Tallies } from './tallies';
import { DomainError } from '../../core/model/errors';
import type { Clock } from '../../core/ports/clock';
import type { ClusterGuardStore } from '../guard/cluster-store';
import type { ConvergenceStore } from '../../core/ports/convergence';
import type { DeliveryStore } from '../../core/ports/deliveries';
import type { GroupsStore } from '../../core/ports/groups';
import type { InstanceStore } from '../../core/ports/instances';
import type { ScheduleStore } from '../../core/ports/schedules';
import type { SupervisionStore } from '../../core/ports/supervision';
import type { WorkflowStore } from '../../core/ports/workflows';
import * as Activity from './activity';
import * as Alerts from './alerts';
import { capabilities, loadCapabilityKey } from './capability';
import * as ClusterGuards from './cluster-guards';
import type { StoreContext } from './context';
import * as ConvergenceGroups from './convergence-groups';
import * as Deliveries from './deliveries';
import { migrateLatest, type Database } from './database';
import { withGroup } from './group-lock';
import { readGroup } from './group-rows';
import * as Groups from './groups';
import * as Instances from './instances';
import * as Lease from './lease';
import * as Ledger from './ledger';
import * as Overrides from './overrides';
import * as Policies from './policies';
import * as Schedules from './schedules';
import { decoyTable, lockedTrigger, triggerTable } from './triggers';
import { guardReach } from './unreachable';
import * as Webhooks from './webhooks';
import * as Workflows from './workflows';

export interface KnexStoreOptions {
    readonly migrate: boolean;
    readonly capabilityKey?: string | undefined;
    readonly clock: Clock;
}

export interface KnexStore {
    readonly groups: GroupsStore;
    readonly supervision: SupervisionStore;
    readonly convergence: ConvergenceStore;
    readonly workflows: WorkflowStore;
    readonly deliveries: DeliveryStore;
    readonly schedules: ScheduleStore;
    readonly instances: InstanceStore;
    readonly guards: ClusterGuardStore;   // the Nova and Octavia guards' cluster-wide holds and budgets
    tallies(): Promise<Tallies>;          // for the metrics' gauges
    open(): Promise<void>;
    close(): Promise<void>;
}

export const knexStore = (db: Database, options: KnexStoreOptions): KnexStore => {
    let current: StoreContext | null = null;
    const ctx = (): StoreContext => {
        if (!current) {
            throw new DomainError('unavailable', 'NotReadyError', 'The database is not ready yet');
        }

        return current;
    };

    const groups: GroupsStore = {
        kind: db.kind,
        ready: async () => {
            await ctx().knex.raw('SELECT 1');
        },
        createGroup: (...args) => Groups.createGroup(ctx(), ...args),
        listGroups: (...args) => Groups.listGroups(ctx(), ...args),
        getGroup: (tenantId, groupId) => readGroup(ctx().knex, tenantId, groupId),
        getGroupWithPolicies: (...args) => Groups.getGroupWithPolicies(ctx(), ...args),
        getWorkflow: (...args) => Workflows.getWorkflow(ctx(), ...args),
        setWorkflow: (...args) => Workflows.setWorkflow(ctx(), ...args),
        createPolicies: (...args) => Policies.createPolicies(ctx(), ...args),
        listPolicies: (...args) => Policies.listPolicies(ctx(), ...args),
        getPolicy: (tenantId, groupId, policyId) => Policies.readPolicy(ctx().knex, tenantId, groupId, policyId),
        updatePolicy: (...args) => Policies.updatePolicy(ctx(), ...args),
        deletePolicy: (...args) => Policies.deletePolicy(ctx(), ...args),
        createWebhooks: (...args) => Webhooks.createWebhooks(ctx(), ...args),
        listWebhooks: (...args) => Webhooks.listWebhooks(ctx(), ...args),
        getWebhook: (...args) => Webhooks.getWebhook(ctx(), ...args),
        updateWebhook: (...args) => Webhooks.updateWebhook(ctx(), ...args),
        deleteWebhook: (...args) => Webhooks.deleteWebhook(ctx(), ...args),
        webhooksOfGroup: (...args) => Webhooks.webhooksOfGroup(ctx(), ...args),
        findCapability: (hash) => Webhooks.findCapability(ctx(), hash),
        recordRejectedBody: (...args) => Webhooks.recordRejectedBody(ctx(), ...args),
        listActivity: (...args) => Activity.listActivity(ctx(), ...args),
        pruneActivity: (keep) => Activity.pruneActivity(ctx(), keep)
    };

    const supervision: SupervisionStore = {
        readTrigger: (...args) => triggerTable(ctx()).readTrigger(...args),
        recordTrigger: (...args) => triggerTable(ctx()).recordTrigger(...args),
        lockedTrigger: (_groupId, work) => lockedTrigger(ctx(), work),
        decoyTrigger: () => decoyTable(ctx()),
        withGroup: (tenantId, groupId, work) => withGroup(ctx(), tenantId, groupId, work),
        getOverride: (...args) => Overrides.getOverride(ctx(), ...args),
        listKillSwitches: () => Overrides.readKillSwitches(ctx().knex),
        setKillSwitch: (killSwitch, now) => Overrides.setKillSwitch(ctx(), killSwitch, now),
        clearKillSwitch: (...args) => Overrides.clearKillSwitch(ctx(), ...args),
        killSwitchHistory: (page) => Overrides.killSwitchHistory(ctx(), page),
        withAlertEpisode: (record, work) => Alerts.withAlertEpisode(ctx(), record, work),
        startAlertEpisode: (record, floorMs) => Alerts.startAlertEpisode(ctx(), record, floorMs),
        claimAlertAttempts: (request) => Alerts.claimAlertAttempts(ctx(), request),
        pruneAlertEvents: (before) => Alerts.pruneAlertEvents(ctx(), before)
    };

    const convergence: ConvergenceStore = {
        claimLease: (...args) => Lease.claimLease(ctx(), ...args),
        watchGroup: (...args) => Lease.watchGroup(ctx(), ...args),
        adoptOrphanedWatches: (...args) => Lease.adoptOrphanedWatches(ctx(), ...args),
        releaseLease: (...args) => Lease.releaseLease(ctx(), ...args),
        lapsedLeases: (...args) => Lease.lapsedLeases(ctx(), ...args),
        groupsToConverge: (...args) => ConvergenceGroups.groupsToConverge(ctx(), ...args),
        readConvergence: (groupId) => Ledger.readConvergence(ctx(), groupId),
        groupHold: (groupId) => ConvergenceGroups.groupHold(ctx(), groupId),
        sweepPage: (...args) => ConvergenceGroups.sweepPage(ctx(), ...args),
        recordObservation: (...args) => Ledger.recordObservation(ctx(), ...args),
        writeIntents: (...args) => Ledger.writeIntents(ctx(), ...args),
        setServerIds: (...args) => Ledger.setServerIds(ctx(), ...args),
        retireIntent: (...args) => Ledger.retireIntent(ctx(), ...args),
        markDeleting: (...args) => Ledger.markDeleting(ctx(), ...args),
        recordActivity: (...args) => Ledger.recordActivity(ctx(), ...args),
        setGroupError: (...args) => ConvergenceGroups.setGroupError(ctx(), ...args),
        withBuildFailures: (groupId, work) => ConvergenceGroups.withBuildFailures(ctx(), groupId, work),
        paceCreates: (...args) => ConvergenceGroups.paceCreates(ctx(), ...args),
        scaleUpCounts: () => ConvergenceGroups.scaleUpCounts(ctx()),
        finishGroupDeletion: (groupId) => ConvergenceGroups.finishGroupDeletion(ctx(), groupId),
        joinServers: (...args) => Workflows.joinServers(ctx(), ...args),
        leaveServers: (...args) => Workflows.leaveServers(ctx(), ...args),
        writeMembersDetails: (...args) => Workflows.writeMembersDetails(ctx(), ...args),
        finishMembersStages: (finishes) => Workflows.finishStages(ctx(), finishes)
    };

    const workflows: WorkflowStore = {
        runningStages: (limit) => Workflows.runningStages(ctx(), limit),
        finishStage: (...args) => Workflows.finishStage(ctx(), ...args)
    };

    const schedules: ScheduleStore = {
        schedulePolicies: () => Schedules.schedulePolicies(ctx()),
        advanceSchedule: (...args) => Schedules.advanceSchedule(ctx(), ...args),
        decided: (firings) => Schedules.decided(ctx(), firings),
        recordMissed: (...args) => Schedules.recordMissed(ctx(), ...args)
    };

    const deliveries: DeliveryStore = {
        stagesToDeliver: (limit) => Deliveries.stagesToDeliver(ctx(), limit),
        addDeliveries: (...args) => Deliveries.addDeliveries(ctx(), ...args),
        claimDue: (...args) => Deliveries.claimDue(ctx(), ...args),
        expired: (...args) => Deliveries.expired(ctx(), ...args),
        retryAt: (...args) => Deliveries.retryAt(ctx(), ...args),
        acknowledge: (...args) => Deliveries.acknowledge(ctx(), ...args),
        complete: (...args) => Deliveries.complete(ctx(), ...args),
        lookupToken: (token) => Deliveries.lookupToken(ctx(), token),
        moveDeadline: (...args) => Deliveries.moveDeadline(ctx(), ...args)
    };

    const instances: InstanceStore = {
        beat: (...args) => Instances.beat(ctx(), ...args),
        leave: (id) => Instances.leave(ctx(), id),
        listLive: (...args) => Instances.listLive(ctx(), ...args),
        prune: (seenBefore) => Instances.prune(ctx(), seenBefore)
    };

    const guards: ClusterGuardStore = {
        holdsOf: (...args) => ClusterGuards.holdsOf(ctx(), ...args),
        hold: (...args) => ClusterGuards.hold(ctx(), ...args),
        endHold: (...args) => ClusterGuards.endHold(ctx(), ...args),
        takeCreate: (...args) => ClusterGuards.takeCreate(ctx(), ...args),
        finishCreate: (...args) => ClusterGuards.finishCreate(ctx(), ...args)
    };

    return {
        groups: guardReach(groups),
        supervision: guardReach(supervision),
        convergence: guardReach(convergence),
        workflows: guardReach(workflows),
        deliveries: guardReach(deliveries),
        schedules: guardReach(schedules),
        instances: guardReach(instances),
        guards: guardReach(guards),
        tallies: guardReach({ tallies: () => tallies(ctx()) }).tallies,
        open: async () => {
            if (options.migrate) {
                await migrateLatest(db.knex);
            }

            current = { knex: db.knex, kind: db.kind, clock: options.clock, caps: capabilities(await loadCapabilityKey(db.knex, options.capabilityKey)) };
        },
        close: async () => {
            current = null;
            await db.close();
        }
    };
};
