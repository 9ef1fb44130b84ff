// The supervisor: every request that may move a group's desired capacity, in
// one shape. The store reads a snapshot (under the group's lock, or a version
// for the trigger's compare-and-set), core/decide decides, the store writes
// the outcome with its activity row, and the converger is kicked only after
// the commit. The trigger's rules (debounce, region) live here, once.
import { noTelemetry, type Telemetry } from '../ports/telemetry';
import { decideConvergeRequest } from '../decide/converge-request';
import { decideOverride, decideOverrideRemoval } from '../decide/override';
import { decidePause } from '../decide/pause';
import { decideServerRemoval } from '../decide/server-removal';
import { decideTrigger } from '../decide/trigger';
import type { ActivitySource } from '../model/activity';
import { ActivityId, type GroupId, type TenantId } from '../model/ids';
import type { Page, PageRequest } from '../model/group';
import type { KillSwitch, KillSwitchEvent, KillSwitchScope } from '../model/kill-switch';
import { inForce, type Override, type OverridePin } from '../model/override';
import type { TriggerRequest, TriggerResult, TriggerRules } from '../model/trigger';
import type { Clock } from '../ports/clock';
import type { SupervisionStore, TriggerTable } from '../ports/supervision';

export interface SupervisorDeps {
    readonly store: SupervisionStore;
    readonly clock: Clock;
    readonly rules: TriggerRules;
    readonly kick: (groupId: GroupId) => void;
    readonly telemetry?: Telemetry;
}

export type ServerRemovalResult =
    | { readonly outcome: 'accepted'; readonly desiredBefore: number; readonly desiredAfter: number }
    | { readonly outcome: 'refused'; readonly reason: 'paused' | 'at_min'; readonly message: string };

export interface Supervisor {
    trigger(request: TriggerRequest): Promise<TriggerResult>;
    // A trigger's read, decision and compare-and-set against a group that
    // cannot exist (the store's decoy): costs what `request` would, writes and
    // kicks nothing. For callers that must not tell by their timing whether
    // the group they were asked about exists (an unknown capability).
    decoy(request: TriggerRequest): Promise<void>;
    // The override in force (an expired one is none).
    getOverride(tenantId: TenantId, groupId: GroupId): Promise<Override | null>;
    // 400 out of bounds; 403 kill_switch, or admin_override when a tenant would change an admin's.
    setOverride(tenantId: TenantId, groupId: GroupId, override: OverridePin, source: ActivitySource): Promise<void>;
    clearOverride(tenantId: TenantId, groupId: GroupId, who: string, source: ActivitySource): Promise<void>;
    // Writes its activity row, refused (paused) or not.
    requestConverge(tenantId: TenantId, groupId: GroupId, who: string): Promise<{ readonly activityId: ActivityId; readonly paused: boolean }>;
    removeServer(tenantId: TenantId, groupId: GroupId, serverId: string, removal: { readonly replace: boolean; readonly who: string }): Promise<ServerRemovalResult>;
    setPaused(tenantId: TenantId, groupId: GroupId, paused: boolean, who: string): Promise<void>;
    // Only switches still in force: an expired one stops nothing.
    listKillSwitches(): Promise<readonly KillSwitch[]>;
    setKillSwitch(killSwitch: KillSwitch): Promise<void>;
    clearKillSwitch(scope: KillSwitchScope, who: string): Promise<boolean>;
    killSwitchHistory(page: PageRequest): Promise<Page<KillSwitchEvent>>;
}

export const supervisor = ({ store, clock, rules, kick, telemetry = noTelemetry }: SupervisorDeps): Supervisor => {
    // One decision on what `table` reads; null when the compare-and-set lost.
    const decideOnce = async (table: TriggerTable, request: TriggerRequest): Promise<TriggerResult | null> => {
        const { read, version } = await table.readTrigger(request, rules.region);
        const now = clock.now();
        const outcome = decideTrigger({ ...read, decisionInput: { ...read.decisionInput, now } }, rules.debounceMs);
        if (outcome.kind === 'replay') {
            const { prior } = outcome;
            return { ...prior, activityId: ActivityId(prior.activityId), decisionId: ActivityId(prior.decisionId), replay: true };
        }

        return table.recordTrigger(request, version, outcome, now);
    };

    const trigger = async (request: TriggerRequest): Promise<TriggerResult> => {
        // Another decision moved the group first: decide again, holding its row lock.
        const result = await decideOnce(store, request) ??
            await store.lockedTrigger(request.groupId, (locked) => decideOnce(locked, request));
        if (!result) {
            throw new Error('a trigger under the group lock found the group changed');
        }

        if (!result.replay) {
            telemetry.decision(request, result);
        }

        if (result.outcome === 'accepted' && !result.replay) {
            kick(request.groupId);
        }

        return result;
    };

    return {
        trigger,
        decoy: async (request) => {
            await decideOnce(store.decoyTrigger(), request);
        },
        getOverride: async (tenantId, groupId) => inForce(await store.getOverride(tenantId, groupId), clock.now()),
        // An override moves desired at once to what it pins; a kill-switch stops that move as it stops a trigger's.
        setOverride: async (tenantId, groupId, pin, source) => {
            await store.withGroup(tenantId, groupId, async (locked) => {
                const now = clock.now();
                const override: Override = { ...pin, byAdmin: source === 'admin' };
                const decision = decideOverride({
                    override, current: await locked.override(), desired: locked.group.state.desiredCapacity, config: locked.group.config,
                    killSwitches: await locked.killSwitches(), region: rules.region, source, now
                });
                if (decision.kind === 'refused') {
                    throw decision.error;
                }

                await locked.write({ at: now, override, ...(decision.moved ? { desired: decision.desiredAfter, scaled: true } : {}), activity: decision.activity });
            });
            kick(groupId);
        },
        // Desired back within the group's own bounds; nothing when there was no override.
        clearOverride: async (tenantId, groupId, who, source) => {
            await store.withGroup(tenantId, groupId, async (locked) => {
                const current = await locked.override();
                if (!current) {
                    return;
                }

                const now = clock.now();
                const decision = decideOverrideRemoval({ current, desired: locked.group.state.desiredCapacity, config: locked.group.config, who, source, now });
                if (decision.kind === 'refused') {
                    throw decision.error;
                }

                await locked.write({ at: now, override: null, desired: decision.desiredAfter, activity: decision.activity });
            });
            kick(groupId);
        },
        requestConverge: async (tenantId, groupId, who) => {
            const result = await store.withGroup(tenantId, groupId, async (locked) => {
                const decision = decideConvergeRequest({ desired: locked.group.state.desiredCapacity, paused: locked.group.state.paused, who });
                const activityId = await locked.write({ at: clock.now(), activity: decision.activity });
                return { activityId: ActivityId(String(activityId)), paused: !decision.accepted };
            });
            if (!result.paused) {
                kick(groupId);
            }

            return result;
        },
        // Only a server the ledger holds for this group (contract §3); the converger deletes it.
        removeServer: async (tenantId, groupId, serverId, removal) => {
            const result = await store.withGroup(tenantId, groupId, async (locked): Promise<ServerRemovalResult> => {
                const { group } = locked;
                const decision = decideServerRemoval({
                    serverId, server: await locked.findServer(serverId), desired: group.state.desiredCapacity, paused: group.state.paused,
                    minEntities: group.config.minEntities, replace: removal.replace, who: removal.who
                });
                const at = clock.now();
                switch (decision.outcome) {
                    case 'missing':
                        throw decision.error;
                    case 'refused':
                        // Nothing is written for a refusal but its activity row (contract §4).
                        await locked.write({ at, activity: decision.activity });
                        return { outcome: 'refused', reason: decision.reason, message: decision.message };
                    case 'accepted':
                        await locked.write({
                            at,
                            ...(decision.markDeleting ? { markDeleting: { intentId: decision.intentId, reason: decision.markDeleting } } : {}),
                            ...(decision.desiredAfter !== decision.desiredBefore ? { desired: decision.desiredAfter } : {}),
                            activity: decision.activity
                        });
                        return { outcome: 'accepted', desiredBefore: decision.desiredBefore, desiredAfter: decision.desiredAfter };
                }
            });
            if (result.outcome === 'accepted') {
                kick(groupId);
            }

            return result;
        },
        setPaused: async (tenantId, groupId, paused, who) => {
            await store.withGroup(tenantId, groupId, async (locked) => {
                const activity = decidePause({ paused: locked.group.state.paused, pause: paused, who });
                if (activity) {
                    await locked.write({ at: clock.now(), paused, activity });
                }
            });
            if (!paused) {
                kick(groupId); // resume brings it back and converges (contract §3)
            }
        },
        listKillSwitches: async () => {
            const now = clock.now().getTime();
            return (await store.listKillSwitches()).filter((s) => s.expiresAt === null || now < s.expiresAt.getTime());
        },
        setKillSwitch: (killSwitch) => store.setKillSwitch(killSwitch, clock.now()),
        clearKillSwitch: (scope, who) => store.clearKillSwitch(scope, who, clock.now()),
        killSwitchHistory: (page) => store.killSwitchHistory(page)
    };
};
