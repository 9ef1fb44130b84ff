// The Store port over knex: PostgreSQL or embedded PGlite.
import type { Clock } from '../../core/ports/clock';
import type { Store } from '../../core/ports/store';
import { capabilities, loadCapabilityKey } from './capability';
import type { StoreContext } from './context';
import { migrateLatest, type Database } from './database';
import * as Activity from './activity';
import * as Alerts from './alerts';
import * as ConvergenceGroups from './convergence-groups';
import * as Groups from './groups';
import * as Lease from './lease';
import * as Ledger from './ledger';
import * as Policies from './policies';
import * as Supervision from './supervision';
import { trigger } from './triggers';
import * as Webhooks from './webhooks';

export interface KnexStoreOptions {
    readonly migrate: boolean;
    readonly capabilityKey?: string | undefined;
    readonly clock: Clock;
}

export const openKnexStore = async (db: Database, options: KnexStoreOptions): Promise<Store> => {
    if (options.migrate) {
        await migrateLatest(db.knex);
    }

    const ctx: StoreContext = { knex: db.knex, kind: db.kind, clock: options.clock, caps: capabilities(await loadCapabilityKey(db.knex, options.capabilityKey)) };
    return {
        kind: db.kind,
        ready: async () => {
            await db.knex.raw('SELECT 1');
        },
        createGroup: (...args) => Groups.createGroup(ctx, ...args),
        listGroups: (...args) => Groups.listGroups(ctx, ...args),
        getGroup: (tenantId, groupId) => Groups.readGroup(ctx.knex, tenantId, groupId),
        getGroupWithPolicies: (...args) => Groups.getGroupWithPolicies(ctx, ...args),
        deleteGroup: (...args) => Groups.deleteGroup(ctx, ...args),
        updateConfig: (...args) => Groups.updateConfig(ctx, ...args),
        updateLaunch: (...args) => Groups.updateLaunch(ctx, ...args),
        setPaused: (...args) => Groups.setPaused(ctx, ...args),
        createPolicies: (...args) => Policies.createPolicies(ctx, ...args),
        listPolicies: (...args) => Policies.listPolicies(ctx, ...args),
        getPolicy: (tenantId, groupId, policyId) => Policies.readPolicy(ctx.knex, tenantId, groupId, policyId),
        updatePolicy: (...args) => Policies.updatePolicy(ctx, ...args),
        deletePolicy: (...args) => Policies.deletePolicy(ctx, ...args),
        createWebhooks: (...args) => Webhooks.createWebhooks(ctx, ...args),
        listWebhooks: (...args) => Webhooks.listWebhooks(ctx, ...args),
        getWebhook: (...args) => Webhooks.getWebhook(ctx, ...args),
        updateWebhook: (...args) => Webhooks.updateWebhook(ctx, ...args),
        deleteWebhook: (...args) => Webhooks.deleteWebhook(ctx, ...args),
        webhooksOfGroup: (...args) => Webhooks.webhooksOfGroup(ctx, ...args),
        findCapability: (hash) => Webhooks.findCapability(ctx, hash),
        recordRejectedBody: (...args) => Webhooks.recordRejectedBody(ctx, ...args),
        trigger: (...args) => trigger(ctx, ...args),
        listActivity: (...args) => Activity.listActivity(ctx, ...args),
        pruneActivity: (keep) => Activity.pruneActivity(ctx, keep),
        getOverride: (...args) => Supervision.getOverride(ctx, ...args),
        setOverride: (...args) => Supervision.setOverride(ctx, ...args),
        clearOverride: (...args) => Supervision.clearOverride(ctx, ...args),
        requestConverge: (...args) => Supervision.requestConverge(ctx, ...args),
        listKillSwitches: () => Supervision.readKillSwitches(ctx.knex),
        setKillSwitch: (killSwitch) => Supervision.setKillSwitch(ctx, killSwitch),
        clearKillSwitch: (scope) => Supervision.clearKillSwitch(ctx, scope),
        recordAlert: (record) => Alerts.recordAlert(ctx, record),
        startAlertEpisode: (record, floorMs) => Alerts.startAlertEpisode(ctx, record, floorMs),
        claimAlertAttempts: (request) => Alerts.claimAlertAttempts(ctx, request),
        claimLease: (...args) => Lease.claimLease(ctx, ...args),
        releaseLease: (...args) => Lease.releaseLease(ctx, ...args),
        groupsToConverge: (...args) => ConvergenceGroups.groupsToConverge(ctx, ...args),
        readConvergence: (groupId) => Ledger.readConvergence(ctx, groupId),
        sweepPage: (limit, after) => ConvergenceGroups.sweepPage(ctx, limit, after),
        recordObservation: (...args) => Ledger.recordObservation(ctx, ...args),
        writeIntents: (...args) => Ledger.writeIntents(ctx, ...args),
        setServerId: (...args) => Ledger.setServerId(ctx, ...args),
        retireIntent: (...args) => Ledger.retireIntent(ctx, ...args),
        markDeleting: (deletes) => Ledger.markDeleting(ctx, deletes),
        recordActivity: (...args) => Ledger.recordActivity(ctx, ...args),
        setGroupError: (...args) => ConvergenceGroups.setGroupError(ctx, ...args),
        recordBuildFailures: (...args) => ConvergenceGroups.recordBuildFailures(ctx, ...args),
        paceCreates: (...args) => ConvergenceGroups.paceCreates(ctx, ...args),
        scaleUpCounts: () => ConvergenceGroups.scaleUpCounts(ctx),
        finishGroupDeletion: (groupId) => ConvergenceGroups.finishGroupDeletion(ctx, groupId),
        removeServer: (...args) => ConvergenceGroups.removeServer(ctx, ...args),
        close: () => db.close()
    };
};
