// What the converger (core/converge/run.ts) needs from the
// store: the group's lease, what a plan reads, and the ledger writes. Every
// method is one transaction; an intent is committed before its create is sent.
import type { SweepShare } from '../decide/sweep-share';
import type { Adopt, OrphanReport, PlannedLeave, Retire } from '../converge/plan';
import type { GroupId, InstanceId, LeaseGeneration, TenantId } from '../model/ids';
import type { KillSwitch } from '../model/kill-switch';
import type { LedgerEntry } from '../model/ledger';
import type { GroupStatus } from '../model/group';
import type { ActivityInput } from '../model/activity';
import type { MemberTarget } from '../model/load-balancer';
import type { MembersDetail } from '../model/members';
import type { WorkflowConfig, WorkflowEvent, WorkflowStage } from '../model/workflow';
import type { StageEnd } from './workflows';

// A server's members stage that is running now, with its progress.
export interface MemberStage {
    readonly intentId: string;
    readonly serverId: string;
    readonly event: WorkflowEvent;
    readonly stageIndex: number;
    readonly last: boolean;                   // no stage after it
    readonly detail: MembersDetail;
}

export interface ConvergenceSnapshot {
    readonly groupId: GroupId;
    readonly tenantId: TenantId;
    readonly desired: number;
    readonly maxEntities: number;                       // effective: an override in force, else the group's, else the ceiling
    readonly paused: boolean;
    readonly status: GroupStatus;
    readonly launchServer: Readonly<Record<string, unknown>>;   // the launch configuration's args.server
    readonly workflow: WorkflowConfig;                  // the group's, for servers that join from now on
    readonly loadBalancers: readonly MemberTarget[];    // the launch configuration's: servers joining from now on join them
    readonly drainingTimeoutS: number;                  // the launch configuration's (0 when unset)
    readonly memberStages: readonly MemberStage[];      // the group's servers whose members stage is running
    readonly ledger: readonly LedgerEntry[];            // live entries (not gone)
    readonly orphans: readonly OrphanReport[];          // as last persisted
    readonly killSwitches: readonly KillSwitch[];
    readonly buildFailures: number;                     // failed builds in a row (ERROR, or a create refused bad_request/quota)
    readonly createsNotBefore: Date | null;             // no create before this: a backoff or the storm guard's pacing
}

// What one plan teaches the ledger, written in one transaction.
export interface Observation {
    readonly adopts: readonly Adopt[];
    readonly retires: readonly Retire[];
    readonly states: readonly { readonly intentId: string; readonly state: 'building' | 'active' }[];
    readonly orphans: readonly OrphanReport[] | null;  // null: keep what we had (the listing was unknown, or they are the same)
    readonly activity: readonly ActivityInput[];
}

// Where a sweep left off: pages run in (tenant, group) order, so the groups of
// one project come together and share its listing.
export interface SweepCursor {
    readonly tenantId: string;
    readonly groupId: string;
}

export interface LockedBuildFailures {
    readonly failures: number;
    // The new count, no create before `notBefore`, and the row that says why.
    write(failures: number, notBefore: Date, activity: ActivityInput): Promise<void>;
}

// A server whose launch workflow starts: its stages both ways, fixed now
// from the group's workflow (docs/workflows.md), and that workflow as it is.
export interface Join {
    readonly intentId: string;
    readonly launch: readonly WorkflowStage[];
    readonly terminate: readonly WorkflowStage[];
    readonly workflow: WorkflowConfig;
    readonly members: MembersDetail | null;   // the members stage's start (its targets as they are now); null: none
}

// A running members stage's progress, with its activity rows.
export interface MembersWrite {
    readonly stage: Pick<MemberStage, 'intentId' | 'event' | 'stageIndex'>;
    readonly detail: MembersDetail;
    readonly activity: readonly ActivityInput[];
}

// A members stage's end, with its last progress and activity rows.
export interface MembersFinish {
    readonly end: StageEnd;
    readonly detail: MembersDetail;
    readonly activity: readonly ActivityInput[];
}

// What a pass checks its plan against while it sends (core/converge/plan-holds.ts).
export interface GroupHold {
    readonly desired: number;
    readonly paused: boolean;
    readonly killSwitches: readonly KillSwitch[];
}

export interface ConvergenceStore {
    // The lease's generation when `holder` now holds the group's lease until
    // now + ttlMs (taken, renewed, or expired and taken over: a new generation
    // whenever it changes hands); null while another holder has it.
    claimLease(groupId: GroupId, holder: string, now: Date, ttlMs: number): Promise<LeaseGeneration | null>;
    releaseLease(groupId: GroupId, holder: string): Promise<void>;
    // Groups whose lease expired without being let go (its run died), at most `limit`.
    lapsedLeases(now: Date, limit: number): Promise<readonly GroupId[]>;
    // The instance that will look at a waiting group again (null: none).
    watchGroup(groupId: GroupId, watcher: InstanceId | null): Promise<void>;
    // Waiting groups whose watcher is no live instance (not seen since
    // `liveSince`), made `self`'s in one statement, at most `limit`.
    adoptOrphanedWatches(self: InstanceId, liveSince: Date, limit: number): Promise<readonly GroupId[]>;
    // A page of unpaused groups with something to do, in id order after `after`.
    groupsToConverge(limit: number, after?: string): Promise<readonly GroupId[]>;
    readConvergence(groupId: GroupId): Promise<ConvergenceSnapshot | null>;   // null: the group is gone
    groupHold(groupId: GroupId): Promise<GroupHold | null>;                    // null: the group is gone
    // The sweep's page: the snapshots of unpaused groups in (tenant, id) order after `after`.
    // Of this instance's share of the groups only (core/decide/sweep-share.ts).
    sweepPage(limit: number, after: SweepCursor | null, share: SweepShare): Promise<readonly ConvergenceSnapshot[]>;
    recordObservation(groupId: GroupId, observation: Observation): Promise<void>;
    // Fenced (contract §9): written only while the lease is of `generation`,
    // checked in the statement that writes them; null: it is not, nothing written.
    writeIntents(groupId: GroupId, count: number, generation: LeaseGeneration): Promise<readonly LedgerEntry[] | null>;
    // The ids Nova gave to creates, never over a known one (a listing may have adopted it meanwhile).
    setServerIds(created: readonly { readonly intentId: string; readonly serverId: string }[]): Promise<void>;
    retireIntent(intentId: string, reason: string): Promise<void>;
    // Fenced like writeIntents; false: the lease is not of `generation`, nothing written.
    markDeleting(groupId: GroupId, deletes: readonly { readonly intentId: string; readonly reason: string }[], generation: LeaseGeneration): Promise<boolean>;
    // Servers ACTIVE in Nova start their launch workflow ('joining'); those
    // chosen for deletion start their terminate workflow ('leaving'). Each
    // call one transaction with its activity rows.
    joinServers(groupId: GroupId, joins: readonly Join[], activity: readonly ActivityInput[]): Promise<void>;
    leaveServers(groupId: GroupId, leaves: readonly PlannedLeave[], activity: readonly ActivityInput[]): Promise<void>;
    recordActivity(groupId: GroupId, activity: readonly ActivityInput[]): Promise<void>;
    // Members stages' progress, with their activity rows, in one transaction
    // (false for a stage no longer running: nothing written for it).
    writeMembersDetails(groupId: GroupId, writes: readonly MembersWrite[]): Promise<readonly boolean[]>;
    // Members stages' ends with their last progress, in one transaction, by the
    // same rules as every stage's end (WorkflowStore.finishStage): the ledger
    // moves with them. false for a stage that had already ended.
    finishMembersStages(finishes: readonly MembersFinish[]): Promise<readonly boolean[]>;
    // Sets ERROR with the message (never over DELETING), or clears an ERROR
    // (null); the activity row is written only when the status changed.
    setGroupError(groupId: GroupId, message: string | null, activity: ActivityInput): Promise<boolean>;
    // The group's failed builds in a row, held under its row lock while
    // core/converge decides its backoff (one transaction).
    withBuildFailures<T>(groupId: GroupId, work: (locked: LockedBuildFailures) => Promise<T>): Promise<T>;
    // Paces the group's creates: none before `until` (a later time in force stays), with its activity row.
    paceCreates(groupId: GroupId, until: Date, activity: ActivityInput): Promise<void>;
    // The storm guard's count: unpaused live groups wanting more servers than they have, of all of them.
    scaleUpCounts(): Promise<{ readonly wanting: number; readonly total: number }>;
    // Deletes a DELETING group whose ledger is empty; false otherwise.
    finishGroupDeletion(groupId: GroupId): Promise<boolean>;

}
