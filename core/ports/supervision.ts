// The supervision port: what decisions read and how their outcome is written.
// One pattern for every decision: the store reads a snapshot, core/decide
// decides (pure), the store writes the outcome, compare-and-set on the
// group's version or under its row lock. The store itself never decides.
import type { ActivityInput } from '../model/activity';
import type { AlertRecord, AttemptClaim, AttemptClaimRequest, AutoscaleAction, Episode, EpisodeStart } from '../model/alert';
import type { Group, GroupConfig, LaunchConfig, Page, PageRequest } from '../model/group';
import type { ActivityId, GroupId, TenantId } from '../model/ids';
import type { KillSwitch, KillSwitchEvent, KillSwitchScope } from '../model/kill-switch';
import type { Override } from '../model/override';
import type { TriggerRequest, TriggerResult } from '../model/trigger';
import type { TriggerOutcome, TriggerRead } from '../decide/trigger';

// A trigger's reads and write (the hot path: two statements, no transaction).
export interface TriggerTable {
    // Everything decideTrigger reads, and the version it was read at. NotFound: group or policy.
    readTrigger(request: TriggerRequest, region: string | null): Promise<{ readonly read: TriggerRead; readonly version: number }>;
    // Writes the outcome if the group is still at `version` (and the event id
    // is still free); null when another decision got there first.
    recordTrigger(request: TriggerRequest, version: number, outcome: Exclude<TriggerOutcome, { kind: 'replay' }>, now: Date): Promise<TriggerResult | null>;
}

// What one locked decision may write to its group, in its transaction.
export interface GroupChange {
    readonly at: Date;
    readonly desired?: number;
    readonly scaled?: boolean;                // desired moved by a decision: last_scaled_at = at
    readonly status?: 'DELETING';
    readonly paused?: boolean;
    readonly config?: GroupConfig;
    readonly launch?: LaunchConfig;
    readonly override?: Override | null;      // set, or removed
    readonly markDeleting?: { readonly intentId: string; readonly reason: string };
    readonly activity?: ActivityInput | null;
}

// A group held under its row lock for one decision.
export interface LockedGroup {
    readonly group: Group;
    override(): Promise<Override | null>;
    killSwitches(): Promise<readonly KillSwitch[]>;
    liveServers(): Promise<number>;            // ledger entries not gone
    // The ledger's live entry for a server of this group, or null.
    findServer(serverId: string): Promise<{ readonly intentId: string; readonly state: string } | null>;
    // Returns the activity row's id when one was written.
    write(change: GroupChange): Promise<ActivityId | null>;
    // Deletes the group with its ledger and counts it off its tenant.
    remove(): Promise<void>;
}

// An alert's episode held under its row lock, its transition's event id taken.
export interface LockedEpisode {
    readonly current: Episode | null;     // null: the alert has no row yet
    write(episode: Episode, actions: readonly AutoscaleAction[]): Promise<void>;
}

export interface SupervisionStore extends TriggerTable {
    // The same reads and write holding the group's row lock: for a trigger whose compare-and-set lost.
    lockedTrigger<T>(groupId: GroupId, work: (table: TriggerTable) => Promise<T>): Promise<T>;
    // A trigger's statements against a group that cannot exist, whatever the
    // request names: the read finds no row (a stand-in snapshot is decided on),
    // the compare-and-set writes none. What a trigger costs, for a request that
    // must not tell whether its target exists (the capability URL).
    decoyTrigger(): TriggerTable;
    // One transaction holding the tenant's group row lock (NotFound when not the tenant's).
    withGroup<T>(tenantId: TenantId, groupId: GroupId, work: (locked: LockedGroup) => Promise<T>): Promise<T>;

    getOverride(tenantId: TenantId, groupId: GroupId): Promise<Override | null>;   // NotFound
    listKillSwitches(): Promise<readonly KillSwitch[]>;
    // Each with its history row, in one transaction (false: no such switch, nothing written).
    setKillSwitch(killSwitch: KillSwitch, now: Date): Promise<void>;
    clearKillSwitch(scope: KillSwitchScope, who: string, now: Date): Promise<boolean>;
    // Newest first, by (at, id).
    killSwitchHistory(page: PageRequest): Promise<Page<KillSwitchEvent>>;

    // Alert intake (contract §6): takes the event id once (null: it was seen
    // before) and holds the alert's episode row for one step, one transaction.
    withAlertEpisode<T>(record: AlertRecord, work: (locked: LockedEpisode | null) => Promise<T>): Promise<T>;
    startAlertEpisode(record: AlertRecord, floorMs: number): Promise<EpisodeStart>;
    // Counts due attempts and moves their next one on, atomically: two plugin
    // instances never claim the same attempt. The caller then fires them.
    claimAlertAttempts(request: AttemptClaimRequest): Promise<readonly AttemptClaim[]>;
    // Forgets event ids taken before `before`; returns how many went.
    pruneAlertEvents(before: Date): Promise<number>;
}
