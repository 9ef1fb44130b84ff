// In-memory fakes of the engine's ports (core/ports), for the engine's tests:
// each keeps its state in maps and keeps its port's contract (a trigger's
// compare-and-set on the group's version, an event id taken once, a lease
// held by one holder, an attempt claimed once), so that the engine's real
// functions can be driven against them. Time and timers are manual: the test
// moves the clock and fires the timers it sees.
import type { SweepShare } from '../../../core/decide/sweep-share';
import { setImmediate as turn } from 'node:timers/promises';
import { attemptDue, nextAttemptAt } from '../../../core/decide/alert-episode';
import type { Adopt, OrphanReport, Retire } from '../../../core/converge/plan';
import type { PriorOutcome, TriggerOutcome } from '../../../core/decide/trigger';
import type { ActivityInput } from '../../../core/model/activity';
import type { AlertKey, AttemptClaim, AttemptClaimRequest, AutoscaleAction, Episode } from '../../../core/model/alert';
import { notFound } from '../../../core/model/errors';
import type { Group, GroupConfig, GroupStatus, GroupWithPolicies, LaunchConfig, Page } from '../../../core/model/group';
import { ActivityId, GroupId, LeaseGeneration, PolicyId, TenantId, WebhookId, type InstanceId } from '../../../core/model/ids';
import type { InstanceIdentity } from '../../../core/model/instance';
import { scopeName, type KillSwitch, type KillSwitchEvent } from '../../../core/model/kill-switch';
import type { LedgerEntry } from '../../../core/model/ledger';
import { ledgerEntry, type EntryFields } from '../../support/fake-convergence';
import type { Override } from '../../../core/model/override';
import type { Adjustment, Policy, Webhook } from '../../../core/model/policy';
import type { NovaServer } from '../../../core/model/server';
import type { TriggerRequest, TriggerResult } from '../../../core/model/trigger';
import type { Clock } from '../../../core/ports/clock';
import type { Compute, ComputeScope } from '../../../core/ports/compute';
import type { ConvergenceSnapshot, ConvergenceStore, Observation, SweepCursor } from '../../../core/ports/convergence';
import type { GroupsStore } from '../../../core/ports/groups';
import type { InstanceStore } from '../../../core/ports/instances';
import type { Scheduler, Timer } from '../../../core/ports/scheduler';
import type { GroupChange, LockedGroup, SupervisionStore, TriggerTable } from '../../../core/ports/supervision';
import type { Log } from '../../../core/engine/log';

// ---- time, timers, log -------------------------------------------------------

export interface ManualClock extends Clock {
    advance(ms: number): void;
    set(at: Date): void;
}

export const manualClock = (start = new Date('2030-01-01T00:00:00Z')): ManualClock => {
    let t = start.getTime();
    return {
        now: () => new Date(t),
        advance: (ms) => {
            t += ms;
        },
        set: (at) => {
            t = at.getTime();
        }
    };
};

export interface ManualTimer extends Timer {
    readonly ms: number;
    readonly fn: () => void;
    cancelled: boolean;
    fired: boolean;
}

export interface ManualScheduler extends Scheduler {
    readonly timers: ManualTimer[];
    // A real turn of the event loop (Scheduler.turn on main): not a timer, nothing for a test to fire.
    turn(): Promise<void>;
    pending(): ManualTimer[];
    // Fires one pending timer (the only one, or the one of that delay).
    fire(ms?: number): void;
}

export const manualScheduler = (): ManualScheduler => {
    const timers: ManualTimer[] = [];
    const pending = () => timers.filter((t) => !t.cancelled && !t.fired);
    return {
        timers,
        pending,
        turn: () => turn(),
        after: (ms, fn) => {
            const timer: ManualTimer = {
                ms, fn, cancelled: false, fired: false,
                cancel: () => {
                    timer.cancelled = true;
                }
            };
            timers.push(timer);
            return timer;
        },
        fire: (ms) => {
            const candidates = pending().filter((t) => ms === undefined || t.ms === ms);
            const timer = candidates[0];
            if (!timer || (ms === undefined && candidates.length > 1)) {
                throw new Error(`no single pending timer${ms === undefined ? '' : ` of ${ms} ms`}: ${pending().map((t) => t.ms).join(', ')}`);
            }

            timer.fired = true;
            timer.fn();
        }
    };
};

export interface LogEntry {
    readonly tags: readonly string[];
    readonly data: Parameters<Log>[1];
}

export const logRecorder = (): { readonly log: Log; readonly entries: LogEntry[] } => {
    const entries: LogEntry[] = [];
    return { log: (tags, data) => entries.push({ tags, data }), entries };
};

// Lets every pending callback and timer-free turn run (the fakes answer at once).
export const settle = async (turns = 20): Promise<void> => {
    for (let i = 0; i < turns; i++) {
        await turn();
    }
};

// A call that waits until the test lets it go.
export interface Gate {
    readonly reached: Promise<void>;   // the call is waiting
    open(): void;
}

export const gate = (): Gate & { pass(): Promise<void> } => {
    let reach!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((resolve) => {
        reach = resolve;
    });
    const released = new Promise<void>((resolve) => {
        release = resolve;
    });
    return {
        reached,
        open: () => release(),
        pass: () => {
            reach();
            return released;
        }
    };
};

// ---- groups and policies -------------------------------------------------------

export const groupConfig = (config: Partial<GroupConfig> = {}): GroupConfig =>
    ({ name: 'web', cooldown: 0, minEntities: 0, maxEntities: 10, metadata: {}, ...config });

export const launchConfig: LaunchConfig = { type: 'launch_server', args: { server: { name: 'web', flavorRef: '1', imageRef: 'img' } } };

export const makeGroup = (id: string, options: { tenantId?: string; desired?: number; paused?: boolean; status?: GroupStatus; config?: Partial<GroupConfig> } = {}): Group => ({
    id: GroupId(id),
    tenantId: TenantId(options.tenantId ?? 't1'),
    config: groupConfig(options.config),
    launch: launchConfig,
    state: {
        desiredCapacity: options.desired ?? 0, activeCapacity: 0, pendingCapacity: 0, paused: options.paused ?? false,
        status: options.status ?? 'ACTIVE', errors: [], active: [], orphans: []
    }
});

// ---- the supervision store -----------------------------------------------------

export interface ActivityRow extends ActivityInput {
    readonly id: ActivityId;
    readonly groupId: GroupId;
    readonly at: Date;
    readonly policyId: PolicyId | null;
    readonly eventId: string | null;
    readonly decisionId: ActivityId | null;
}

export interface GroupRow {
    group: Group;
    version: number;
    lastScaledAt: Date | null;
    override: Override | null;
    // The ledger's live entries, by server id.
    readonly servers: Map<string, { intentId: string; state: string }>;
}

export interface PolicyRow {
    readonly id: PolicyId;
    readonly groupId: GroupId;
    readonly adjustment: Adjustment;
    readonly cooldown: number;
    lastExecutedAt: Date | null;
}

export interface EpisodeRow {
    readonly key: AlertKey;
    episode: Episode;
    actions: readonly AutoscaleAction[];
}

export interface SupervisionHooks {
    // Before a trigger's write is compared with the group's version: a decision
    // committed by someone else in between is played here.
    beforeRecord?: (locked: boolean) => Promise<void> | void;
    // Before a read, per group: a store that fails for this group.
    beforeRead?: (request: TriggerRequest) => void;
    // Before attempts are claimed: another instance's loop claiming first.
    beforeClaim?: (request: AttemptClaimRequest) => Promise<void> | void;
}

export interface FakeSupervision {
    readonly store: SupervisionStore;
    readonly groups: Map<GroupId, GroupRow>;
    readonly policies: Map<PolicyId, PolicyRow>;
    readonly activity: ActivityRow[];
    readonly episodes: Map<string, EpisodeRow>;
    readonly alertEvents: Set<string>;             // alertEventKey of each taken (tenant, rule, event id)
    readonly eventPrunes: Date[];              // each pruneAlertEvents' cut-off
    readonly killSwitches: KillSwitch[];
    readonly killSwitchHistory: KillSwitchEvent[];  // oldest first
    readonly claims: AttemptClaimRequest[];
    readonly locks: string[];                  // 'trigger:<group>' or 'group:<group>', per lock taken
    readonly decoys: string[];                 // 'read' and 'record', per call of a decoy's table
    readonly hooks: SupervisionHooks;
    addGroup(group: Group, rest?: Partial<Omit<GroupRow, 'group' | 'servers'>>): GroupRow;
    addPolicy(groupId: string, id: string, adjustment: Adjustment, cooldown?: number): PolicyRow;
    addServer(groupId: string, serverId: string, intentId: string, state?: string): void;
    // A decision made elsewhere: the group moves on to a new version.
    bump(groupId: string): void;
}

const keyOf = (key: AlertKey): string => `${key.tenantId}/${key.ruleId}/${key.entityId}`;
// A taken event id is its tenant's and its rule's (contract §6), as in alertEventKey.
export const alertEventKey = (e: { tenantId: string; ruleId: string; eventId: string }): string => JSON.stringify([e.tenantId, e.ruleId, e.eventId]);
const eventKeyOf = alertEventKey;

export const fakeSupervision = (): FakeSupervision => {
    const groups = new Map<GroupId, GroupRow>();
    const policies = new Map<PolicyId, PolicyRow>();
    const activity: ActivityRow[] = [];
    const episodes = new Map<string, EpisodeRow>();
    const alertEvents = new Set<string>();
    const eventPrunes: Date[] = [];
    const killSwitches: KillSwitch[] = [];
    const killSwitchHistory: KillSwitchEvent[] = [];
    const claims: AttemptClaimRequest[] = [];
    const locks: string[] = [];
    const decoys: string[] = [];
    const hooks: SupervisionHooks = {};
    let ids = 0;
    const nextId = () => ActivityId(String(++ids));

    const rowOf = (tenantId: string, groupId: string): GroupRow => {
        const row = groups.get(GroupId(groupId));
        if (!row || row.group.tenantId !== tenantId) {
            throw notFound('group', groupId);
        }

        return row;
    };

    // A trigger's event id is its group's (migration 007).
    const priorOf = (groupId: string, eventId: string | null): PriorOutcome | null => {
        const row = eventId === null ? undefined : activity.find((a) => a.groupId === groupId && a.eventId === eventId);
        return row ? {
            activityId: row.id, decisionId: row.decisionId ?? row.id, outcome: row.outcome as PriorOutcome['outcome'],
            reason: row.reason as PriorOutcome['reason'], desiredBefore: row.desiredBefore ?? 0, desiredAfter: row.desiredAfter ?? 0, message: row.message
        } : null;
    };

    const record = async (request: TriggerRequest, version: number, outcome: Exclude<TriggerOutcome, { kind: 'replay' }>, now: Date, locked: boolean): Promise<TriggerResult | null> => {
        await hooks.beforeRecord?.(locked);
        const row = groups.get(request.groupId);
        if (!row || row.version !== version) {
            return null;
        }

        if (priorOf(request.groupId, request.eventId)) {
            if (locked) {
                throw new Error(`event id ${request.eventId} taken twice`);   // a unique violation: the lock read it first
            }

            return null;
        }

        const base = { groupId: request.groupId, at: now, source: request.source, kind: request.circleBack ? 'circle_back' : 'execute', who: request.who, policyId: request.policyId, eventId: request.eventId };
        if (outcome.kind === 'coalesced') {
            const id = nextId();
            activity.push({ ...base, id, outcome: 'coalesced', reason: 'debounced', message: outcome.message, desiredBefore: outcome.desired, desiredAfter: outcome.desired, decisionId: ActivityId(outcome.decisionId) });
            return { activityId: id, decisionId: ActivityId(outcome.decisionId), outcome: 'coalesced', reason: 'debounced', desiredBefore: outcome.desired, desiredAfter: outcome.desired, message: outcome.message, replay: false };
        }

        const { decision } = outcome;
        const message = request.note ? `${decision.message} (${request.note})` : decision.message;
        if (decision.outcome === 'accepted') {
            row.group = { ...row.group, state: { ...row.group.state, desiredCapacity: decision.desiredAfter } };
            row.lastScaledAt = now;
            row.version++;
            const policy = policies.get(request.policyId);
            if (policy) {
                policy.lastExecutedAt = now;
            }
        }

        const id = nextId();
        activity.push({ ...base, id, outcome: decision.outcome, reason: decision.reason, message, desiredBefore: decision.desiredBefore, desiredAfter: decision.desiredAfter, decisionId: null });
        return { activityId: id, decisionId: id, ...decision, message, replay: false };
    };

    const table = (locked: boolean): TriggerTable => ({
        readTrigger: async (request, region) => {
            hooks.beforeRead?.(request);
            const row = rowOf(request.tenantId, request.groupId);
            const policy = policies.get(request.policyId);
            if (!policy || policy.groupId !== request.groupId) {
                throw notFound('policy', request.policyId);
            }

            const last = [...activity].reverse().find((a) => a.policyId === policy.id && a.decisionId === null && (a.outcome === 'accepted' || a.outcome === 'refused'));
            const { config, state } = row.group;
            return {
                version: row.version,
                read: {
                    decisionInput: {
                        group: {
                            config: { cooldown: config.cooldown, minEntities: config.minEntities, maxEntities: config.maxEntities },
                            desired: state.desiredCapacity, paused: state.paused, deleting: state.status === 'DELETING', lastScaledAt: row.lastScaledAt, region
                        },
                        policy: { adjustment: policy.adjustment, cooldown: policy.cooldown, lastExecutedAt: policy.lastExecutedAt },
                        override: row.override,
                        killSwitches: [...killSwitches],
                        trigger: { forced: request.forced, circleBack: request.circleBack }
                    },
                    prior: priorOf(request.groupId, request.eventId),
                    lastDecision: last ? { id: last.id, at: last.at } : null
                }
            };
        },
        recordTrigger: (request, version, outcome, now) => record(request, version, outcome, now, locked)
    });

    // A change is applied when the unit of work commits (not at all when it throws).
    const apply = (row: GroupRow, change: GroupChange, activityId: ActivityId | null): void => {
        const { state } = row.group;
        row.group = {
            ...row.group,
            config: change.config ?? row.group.config,
            launch: change.launch ?? row.group.launch,
            state: {
                ...state,
                desiredCapacity: change.desired ?? state.desiredCapacity,
                paused: change.paused ?? state.paused,
                status: change.status ?? state.status
            }
        };
        if (change.scaled) {
            row.lastScaledAt = change.at;
        }

        if (change.override !== undefined) {
            row.override = change.override;
        }

        if (change.markDeleting) {
            for (const entry of row.servers.values()) {
                if (entry.intentId === change.markDeleting.intentId) {
                    entry.state = 'deleting';
                }
            }
        }

        if (change.desired !== undefined || change.status !== undefined || change.paused !== undefined || change.config !== undefined || change.override !== undefined) {
            row.version++;
        }

        if (change.activity && activityId) {
            activity.push({ ...change.activity, id: activityId, groupId: row.group.id, at: change.at, policyId: null, eventId: null, decisionId: null });
        }
    };

    const store: SupervisionStore = {
        ...table(false),
        lockedTrigger: async (groupId, work) => {
            locks.push(`trigger:${groupId}`);
            return work(table(true));
        },
        // As the store's: a stand-in group at desired 0 read, nothing written.
        decoyTrigger: () => ({
            readTrigger: async (request, region) => {
                decoys.push('read');
                return {
                    version: 0,
                    read: {
                        decisionInput: {
                            group: { config: { cooldown: 0, minEntities: 0, maxEntities: 10 }, desired: 0, paused: false, deleting: false, lastScaledAt: null, region },
                            policy: { adjustment: { change: 1 }, cooldown: 0, lastExecutedAt: null },
                            override: null,
                            killSwitches: [],
                            trigger: { forced: request.forced, circleBack: request.circleBack }
                        },
                        prior: null,
                        lastDecision: null
                    }
                };
            },
            recordTrigger: async () => {
                decoys.push('record');
                return null;
            }
        }),
        withGroup: async (tenantId, groupId, work) => {
            const row = rowOf(tenantId, groupId);
            locks.push(`group:${groupId}`);
            const commits: (() => void)[] = [];
            const locked: LockedGroup = {
                group: row.group,
                override: async () => row.override,
                killSwitches: async () => [...killSwitches],
                liveServers: async () => [...row.servers.values()].filter((s) => s.state !== 'gone').length,
                findServer: async (serverId) => {
                    const entry = row.servers.get(serverId);
                    return entry && entry.state !== 'gone' ? { ...entry } : null;
                },
                write: async (change) => {
                    const id = change.activity ? nextId() : null;
                    commits.push(() => apply(row, change, id));
                    return id;
                },
                remove: async () => {
                    commits.push(() => groups.delete(row.group.id));
                }
            };
            const result = await work(locked);
            commits.forEach((commit) => commit());
            return result;
        },
        getOverride: async (tenantId, groupId) => rowOf(tenantId, groupId).override,
        listKillSwitches: async () => [...killSwitches],
        setKillSwitch: async (killSwitch, now) => {
            const at = killSwitches.findIndex((s) => scopeName(s.scope) === scopeName(killSwitch.scope));
            killSwitches.splice(at === -1 ? killSwitches.length : at, at === -1 ? 0 : 1, killSwitch);
            killSwitchHistory.push({ ...killSwitch, id: String(killSwitchHistory.length + 1), action: 'set', at: now });
        },
        clearKillSwitch: async (scope, who, now) => {
            const at = killSwitches.findIndex((s) => scopeName(s.scope) === scopeName(scope));
            const cleared = killSwitches[at];
            if (cleared === undefined) {
                return false;
            }

            killSwitches.splice(at, 1);
            killSwitchHistory.push({ ...cleared, who, id: String(killSwitchHistory.length + 1), action: 'cleared', at: now });
            return true;
        },
        killSwitchHistory: async (page) => {
            const newest = [...killSwitchHistory].reverse().filter((e) => page.marker === undefined || Number(e.id) < Number(page.marker));
            const items = newest.slice(0, page.limit);
            return { items, next: newest.length > page.limit ? items[items.length - 1]?.id ?? null : null };
        },
        withAlertEpisode: async (record, work) => {
            if (alertEvents.has(eventKeyOf(record))) {
                return work(null);
            }

            alertEvents.add(eventKeyOf(record));
            const key = { tenantId: record.tenantId, ruleId: record.ruleId, entityId: record.entityId };
            return work({
                current: episodes.get(keyOf(key))?.episode ?? null,
                write: async (episode, actions) => {
                    episodes.set(keyOf(key), { key, episode, actions });
                }
            });
        },
        startAlertEpisode: async (record, floorMs) => {
            const key = { tenantId: record.tenantId, ruleId: record.ruleId, entityId: record.entityId };
            if (alertEvents.has(eventKeyOf(record))) {
                return { status: 'replay' };
            }

            if (episodes.has(keyOf(key))) {
                return { status: 'exists' };
            }

            alertEvents.add(eventKeyOf(record));
            const next = nextAttemptAt(record.now, cooldownsOf(record.tenantId, record.actions), floorMs);
            episodes.set(keyOf(key), { key, episode: { state: 'CRITICAL', lastAt: record.at, attempts: 1, nextAttemptAt: next }, actions: record.actions });
            return { status: 'started', claim: { key, attempt: 1, actions: record.actions, nextAttemptAt: next } };
        },
        // Taken ids carry no time here: the cut-off is what a test checks, and 3 ids always go.
        pruneAlertEvents: (before) => {
            eventPrunes.push(before);
            return Promise.resolve(3);
        },
        claimAlertAttempts: async (request) => {
            claims.push(request);
            await hooks.beforeClaim?.(request);
            const { now, cap, only } = request;
            const due = [...episodes.values()]
                .filter((e) => attemptDue(e.episode, now, cap) && (!only || (keyOf(e.key) === keyOf(only) && e.episode.attempts === only.attempts)))
                .sort((a, b) => (a.episode.nextAttemptAt?.getTime() ?? 0) - (b.episode.nextAttemptAt?.getTime() ?? 0))
                .slice(0, request.limit);
            return due.map((e): AttemptClaim => {
                const next = nextAttemptAt(now, cooldownsOf(e.key.tenantId, e.actions), request.floorMs);
                e.episode = { ...e.episode, attempts: e.episode.attempts + 1, nextAttemptAt: next };
                return { key: e.key, attempt: e.episode.attempts, actions: e.actions, nextAttemptAt: next };
            });
        }
    };

    // The cooldowns (seconds) of the actions' groups and policies that still exist for the tenant.
    const cooldownsOf = (tenantId: string, actions: readonly AutoscaleAction[]): number[] => actions.flatMap((a) => {
        const row = groups.get(GroupId(a.groupId));
        const policy = policies.get(PolicyId(a.policyId));
        return row && policy && row.group.tenantId === tenantId && policy.groupId === row.group.id ? [row.group.config.cooldown, policy.cooldown] : [];
    });

    return {
        store, groups, policies, activity, episodes, alertEvents, eventPrunes, killSwitches, killSwitchHistory, claims, locks, decoys, hooks,
        addGroup: (group, rest = {}) => {
            const row: GroupRow = { group, version: 1, lastScaledAt: null, override: null, servers: new Map(), ...rest };
            groups.set(group.id, row);
            return row;
        },
        addPolicy: (groupId, id, adjustment, cooldown = 0) => {
            const policy: PolicyRow = { id: PolicyId(id), groupId: GroupId(groupId), adjustment, cooldown, lastExecutedAt: null };
            policies.set(policy.id, policy);
            return policy;
        },
        addServer: (groupId, serverId, intentId, state = 'active') => {
            groups.get(GroupId(groupId))?.servers.set(serverId, { intentId, state });
        },
        bump: (groupId) => {
            const row = groups.get(GroupId(groupId));
            if (row) {
                row.version++;
            }
        }
    };
};

// ---- the groups store -------------------------------------------------------------

export interface StoreCall {
    readonly method: string;
    readonly args: readonly unknown[];
}

// Reads and plain writes: each call is recorded and answered with a fixed value.
export const fakeGroupsStore = (options: { pruneFails?: unknown } = {}): { readonly store: GroupsStore; readonly calls: StoreCall[] } => {
    const calls: StoreCall[] = [];
    const seen = <T>(method: string, args: readonly unknown[], answer: T): Promise<T> => {
        calls.push({ method, args });
        return Promise.resolve(answer);
    };

    const group = makeGroup('g1');
    const policy: Policy = { id: PolicyId('p1'), groupId: group.id, name: 'up', cooldown: 0, adjustment: { change: 1 }, trigger: { type: 'webhook' } };
    const webhook: Webhook = { id: WebhookId('w1'), policyId: policy.id, groupId: group.id, name: 'hook', metadata: {}, capability: 'secret' };
    const page = <T>(items: readonly T[]): Page<T> => ({ items, next: null });
    const store: GroupsStore = {
        kind: 'pglite',
        ready: () => seen('ready', [], undefined),
        createGroup: (tenantId, spec, limits) => seen<GroupWithPolicies>('createGroup', [tenantId, spec, limits], {
            group: { ...group, tenantId, config: spec.config, launch: spec.launch, state: { ...group.state, desiredCapacity: spec.config.minEntities } },
            policies: []
        }),
        listGroups: (...args) => seen('listGroups', args, page([group])),
        getGroup: (...args) => seen('getGroup', args, group),
        getGroupWithPolicies: (...args) => seen('getGroupWithPolicies', args, { group, policies: [policy] }),
        getWorkflow: (...args) => seen('getWorkflow', args, { type: 'builtin' }),
        setWorkflow: (...args) => seen('setWorkflow', args, undefined),
        createPolicies: (...args) => seen('createPolicies', args, [policy]),
        listPolicies: (...args) => seen('listPolicies', args, page([policy])),
        getPolicy: (...args) => seen('getPolicy', args, policy),
        updatePolicy: (...args) => seen('updatePolicy', args, undefined),
        deletePolicy: (...args) => seen('deletePolicy', args, undefined),
        createWebhooks: (...args) => seen('createWebhooks', args, [webhook]),
        listWebhooks: (...args) => seen('listWebhooks', args, page([webhook])),
        getWebhook: (...args) => seen('getWebhook', args, webhook),
        updateWebhook: (...args) => seen('updateWebhook', args, undefined),
        deleteWebhook: (...args) => seen('deleteWebhook', args, undefined),
        webhooksOfGroup: (...args) => seen('webhooksOfGroup', args, [webhook]),
        findCapability: (...args) => seen('findCapability', args, { tenantId: group.tenantId, groupId: group.id, policyId: policy.id, webhookId: webhook.id }),
        recordRejectedBody: (...args) => seen('recordRejectedBody', args, ActivityId('9')),
        listActivity: (...args) => seen('listActivity', args, page([])),
        pruneActivity: (...args) => {
            if (options.pruneFails !== undefined) {
                calls.push({ method: 'pruneActivity', args });
                return Promise.reject(options.pruneFails);
            }

            return seen('pruneActivity', args, 7);
        }
    };
    return { store, calls };
};

// ---- Nova ----------------------------------------------------------------------------

export interface FakeCompute {
    readonly compute: Compute;
    // Every server of every project, as Nova would list them.
    readonly servers: Map<string, NovaServer & { readonly projectId: string }>;
    readonly listings: ComputeScope[];
    // Set to make the next listings fail with this (a ComputeError is an unknown listing).
    listFails: unknown;
    // Set to make creates fail with this.
    createFails: unknown;
    setStatus(serverId: string, status: string): void;
}

export const fakeCompute = (clock: Clock, endpoint?: Compute['endpoint']): FakeCompute => {
    const servers = new Map<string, NovaServer & { readonly projectId: string }>();
    const listings: ComputeScope[] = [];
    let ids = 0;
    const fake: FakeCompute = {
        servers,
        listings,
        listFails: undefined,
        createFails: undefined,
        setStatus: (serverId, status) => {
            const server = servers.get(serverId);
            if (server) {
                servers.set(serverId, { ...server, status });
            }
        },
        compute: {
            createServer: async (scope, server) => {
                if (fake.createFails !== undefined) {
                    throw fake.createFails;
                }

                const id = `s${++ids}`;
                const metadata = server.metadata as Record<string, string>;
                servers.set(id, { id, projectId: scope.projectId, name: String(server.name), status: 'BUILD', addresses: [], taskState: null, metadata, created: clock.now() });
                return { id };
            },
            listServers: async (scope) => {
                listings.push(scope);
                if (fake.listFails !== undefined) {
                    throw fake.listFails;
                }

                return [...servers.values()].filter((s) => s.projectId === scope.projectId);
            },
            deleteServer: async (_scope, serverId) => {
                const server = servers.get(serverId);
                if (!server) {
                    return 'gone';
                }

                servers.set(serverId, { ...server, taskState: 'deleting' });
                return 'deleting';
            },
            ...(endpoint ? { endpoint } : {})
        }
    };
    return fake;
};

// ---- the convergence store -------------------------------------------------------------

export interface ConvergenceGroup {
    readonly groupId: GroupId;
    readonly tenantId: TenantId;
    desired: number;
    maxEntities: number;
    paused: boolean;
    status: GroupStatus;
    ledger: EntryFields[];
    orphans: readonly OrphanReport[];
    buildFailures: number;
    createsNotBefore: Date | null;
    error: string | null;
}

export interface FakeConvergence {
    readonly store: ConvergenceStore;
    readonly groups: Map<GroupId, ConvergenceGroup>;
    readonly leases: Map<GroupId, { holder: string; until: number }>;
    readonly activity: { readonly groupId: GroupId; readonly row: ActivityInput }[];
    readonly reads: GroupId[];                           // readConvergence, in order
    readonly pages: (SweepCursor | null)[];              // sweepPage's `after`, in order
    readonly shares: SweepShare[];                        // sweepPage's `share`, in order
    readonly batches: string[];                          // groupsToConverge's `after`, in order
    readonly counts: { scaleUpCounts: number };
    readonly watchers: Map<GroupId, InstanceId>;             // the instance that will look at a waiting group again
    readonly live: Set<InstanceId>;                          // instances seen lately (adoptOrphanedWatches)
    readonly watchWrites: string[];                          // 'g1 i1', or 'g1 -' for a cleared watcher, in order
    // Hooks, per call: return a promise to hold the call, or throw to fail it.
    readonly hooks: {
        readConvergence?: (groupId: GroupId) => Promise<void> | void;
        sweepPage?: (after: SweepCursor | null) => Promise<void> | void;
        groupsToConverge?: (after: string | undefined) => Promise<void> | void;
        scaleUpCounts?: () => Promise<void> | void;
        lapsedLeases?: () => Promise<void> | void;
        releaseLease?: () => Promise<void> | void;
        retireIntent?: () => Promise<void> | void;
        watchGroup?: () => Promise<void> | void;
    };
    addGroup(id: string, options?: Partial<Omit<ConvergenceGroup, 'groupId' | 'tenantId'>> & { tenantId?: string }): ConvergenceGroup;
}

const byTenantThenId = (a: ConvergenceGroup, b: ConvergenceGroup): number =>
    a.tenantId === b.tenantId ? (a.groupId < b.groupId ? -1 : 1) : (a.tenantId < b.tenantId ? -1 : 1);

export const fakeConvergence = (clock: Clock): FakeConvergence => {
    const groups = new Map<GroupId, ConvergenceGroup>();
    const leases = new Map<GroupId, { holder: string; until: number; generation: LeaseGeneration }>();
    let generations = 0;
    const activity: { groupId: GroupId; row: ActivityInput }[] = [];
    const reads: GroupId[] = [];
    const pages: (SweepCursor | null)[] = [];
    const shares: SweepShare[] = [];
    const batches: string[] = [];
    const counts = { scaleUpCounts: 0 };
    const watchers = new Map<GroupId, InstanceId>();
    const liveInstances = new Set<InstanceId>();
    const watchWrites: string[] = [];
    const hooks: FakeConvergence['hooks'] = {};
    let intents = 0;

    const entryOf = (intentId: string): { group: ConvergenceGroup; entry: EntryFields } | null => {
        for (const group of groups.values()) {
            const entry = group.ledger.find((e) => e.intentId === intentId);
            if (entry) {
                return { group, entry };
            }
        }

        return null;
    };

    const setEntry = (intentId: string, change: Partial<EntryFields>): void => {
        const found = entryOf(intentId);
        if (found) {
            found.group.ledger = found.group.ledger.map((e) => (e.intentId === intentId ? { ...e, ...change } : e));
        }
    };

    const live = (g: ConvergenceGroup) => g.ledger.filter((e) => e.state !== 'gone');
    const snapshot = (g: ConvergenceGroup): ConvergenceSnapshot => ({
        groupId: g.groupId, tenantId: g.tenantId, desired: g.desired, maxEntities: g.maxEntities, paused: g.paused, status: g.status,
        launchServer: launchConfig.args.server, workflow: { type: 'builtin' }, loadBalancers: [], drainingTimeoutS: 0, memberStages: [], ledger: live(g).map(ledgerEntry), orphans: g.orphans, killSwitches: [], buildFailures: g.buildFailures,
        createsNotBefore: g.createsNotBefore
    });
    const note = (groupId: GroupId, rows: readonly ActivityInput[]) => rows.forEach((row) => activity.push({ groupId, row }));
    const retire = (intentId: string) => setEntry(intentId, { state: 'gone' });

    const store: ConvergenceStore = {
        claimLease: async (groupId, holder, now, ttlMs) => {
            const lease = leases.get(groupId);
            if (lease && lease.holder !== holder && lease.until > now.getTime()) {
                return null;
            }

            // The same generation while the holder renews; a new one when it changes hands.
            const generation = lease?.holder === holder ? lease.generation : LeaseGeneration(++generations);
            leases.set(groupId, { holder, until: now.getTime() + ttlMs, generation });
            return generation;
        },
        releaseLease: async (groupId, holder) => {
            await hooks.releaseLease?.();
            if (leases.get(groupId)?.holder === holder) {
                leases.delete(groupId);
            }
        },
        watchGroup: async (groupId, watcher) => {
            await hooks.watchGroup?.();
            watchWrites.push(`${groupId} ${watcher ?? '-'}`);
            if (watcher === null) {
                watchers.delete(groupId);
            }
            else {
                watchers.set(groupId, watcher);
            }
        },
        adoptOrphanedWatches: async (self, _liveSince, limit) => {
            const orphans = [...watchers.entries()].filter(([, watcher]) => watcher !== self && !liveInstances.has(watcher)).slice(0, limit).map(([groupId]) => groupId);
            orphans.forEach((groupId) => watchers.set(groupId, self));
            return orphans;
        },
        lapsedLeases: async (now, limit) => {
            await hooks.lapsedLeases?.();
            return [...leases.entries()].filter(([, lease]) => lease.until < now.getTime()).slice(0, limit).map(([groupId]) => groupId);
        },
        groupHold: async (groupId) => {
            const g = groups.get(groupId);
            return g ? { desired: g.desired, paused: g.paused, killSwitches: [] } : null;
        },
        // Something to do: desired is not what the ledger holds active, or the status is not ACTIVE.
        groupsToConverge: async (limit, after) => {
            batches.push(after ?? '');
            await hooks.groupsToConverge?.(after);
            return [...groups.values()]
                .filter((g) => !g.paused && g.groupId > (after ?? '') &&
                    (g.status !== 'ACTIVE' || live(g).length !== g.desired || live(g).some((e) => e.state !== 'active')))
                .map((g) => g.groupId)
                .sort()
                .slice(0, limit);
        },
        readConvergence: async (groupId) => {
            reads.push(groupId);
            await hooks.readConvergence?.(groupId);
            const g = groups.get(groupId);
            return g ? snapshot(g) : null;
        },
        sweepPage: async (limit, after, share) => {
            pages.push(after);
            shares.push(share);
            await hooks.sweepPage?.(after);
            return [...groups.values()]
                .filter((g) => !g.paused && (after === null || g.tenantId > after.tenantId || (g.tenantId === after.tenantId && g.groupId > after.groupId)))
                .sort(byTenantThenId)
                .slice(0, limit)
                .map(snapshot);
        },
        recordObservation: async (groupId, o: Observation) => {
            o.adopts.forEach((a: Adopt) => setEntry(a.intentId, { serverId: a.serverId }));
            o.retires.forEach((r: Retire) => retire(r.intentId));
            o.states.forEach((s) => setEntry(s.intentId, { state: s.state }));
            const g = groups.get(groupId);
            if (g && o.orphans !== null) {
                g.orphans = o.orphans;
            }

            note(groupId, o.activity);
        },
        writeIntents: async (groupId, count, generation) => {
            if (leases.get(groupId)?.generation !== generation) {
                return null;
            }

            const g = groups.get(groupId);
            const written = Array.from({ length: count }, (): LedgerEntry => {
                const n = ++intents;
                return { intentId: `0000000${n}-0000-4000-8000-000000000000`.slice(-36), serverId: null, state: 'intent', createdAt: clock.now() };
            });
            g?.ledger.push(...written);
            return written;
        },
        setServerIds: async (created) => created.forEach((c) => setEntry(c.intentId, { serverId: c.serverId })),
        retireIntent: async (intentId) => {
            await hooks.retireIntent?.();
            retire(intentId);
        },
        markDeleting: async (groupId, deletes, generation) => {
            if (leases.get(groupId)?.generation !== generation) {
                return false;
            }

            deletes.forEach((d) => setEntry(d.intentId, { state: 'deleting' }));
            return true;
        },
        recordActivity: async (groupId, rows) => note(groupId, rows),
        setGroupError: async (groupId, message, row) => {
            const g = groups.get(groupId);
            if (!g || g.status === 'DELETING' || (message === null ? g.status !== 'ERROR' : g.error === message)) {
                return false;
            }

            g.status = message === null ? 'ACTIVE' : 'ERROR';
            g.error = message;
            note(groupId, [row]);
            return true;
        },
        withBuildFailures: (groupId, work) => {
            const g = groups.get(groupId);
            return work({
                failures: g?.buildFailures ?? 0,
                write: async (failures, notBefore, row) => {
                    if (g) {
                        g.buildFailures = failures;
                        g.createsNotBefore = notBefore;
                    }

                    note(groupId, [row]);
                }
            });
        },
        paceCreates: async (groupId, until, row) => {
            const g = groups.get(groupId);
            if (g && (g.createsNotBefore === null || g.createsNotBefore.getTime() < until.getTime())) {
                g.createsNotBefore = until;
            }

            note(groupId, [row]);
        },
        scaleUpCounts: async () => {
            counts.scaleUpCounts++;
            await hooks.scaleUpCounts?.();
            const unpaused = [...groups.values()].filter((g) => !g.paused && g.status !== 'DELETING');
            return { wanting: unpaused.filter((g) => g.desired > live(g).length).length, total: unpaused.length };
        },
        finishGroupDeletion: async (groupId) => {
            const g = groups.get(groupId);
            if (!g || g.status !== 'DELETING' || live(g).length > 0) {
                return false;
            }

            groups.delete(groupId);
            return true;
        },
        // As adapters/store/workflows.ts does, in miniature.
        joinServers: async (groupId, joins, rows) => {
            joins.forEach((j) => setEntry(j.intentId, { state: j.launch.length > 0 ? 'joining' : 'active', leaves: j.terminate.length > 0 }));
            note(groupId, rows);
        },
        leaveServers: async (groupId, leaves, rows) => {
            leaves.forEach((l) => setEntry(l.intentId, { state: 'leaving', leaveReason: l.reason }));
            note(groupId, rows);
        },
        // No group here joins load balancers.
        writeMembersDetails: async (_groupId, writes) => writes.map(() => false),
        finishMembersStages: async (finishes) => finishes.map(() => false)
    };

    return {
        store, groups, leases, activity, reads, pages, shares, batches, counts, watchers, live: liveInstances, watchWrites, hooks,
        addGroup: (id, options = {}) => {
            const g: ConvergenceGroup = {
                desired: 0, maxEntities: 10, paused: false, status: 'ACTIVE', ledger: [], orphans: [], buildFailures: 0, createsNotBefore: null, error: null,
                ...options,
                groupId: GroupId(id),
                tenantId: TenantId(options.tenantId ?? 't1')
            };
            groups.set(g.groupId, g);
            return g;
        }
    };
};

// ---- the instances store ---------------------------------------------------------------

export interface InstanceRow {
    readonly identity: InstanceIdentity;
    readonly startedAt: Date;
    lastSeenAt: Date;
}

export interface FakeInstances {
    readonly store: InstanceStore;
    readonly rows: Map<InstanceId, InstanceRow>;
    readonly prunes: Date[];                             // each prune's cut-off
    // Set to make the next calls fail with this.
    fails: unknown;
}

// As adapters/store/instances.ts does: a lease counts for the instance its
// holder names (`${instance}/${run}`) while it has not expired.
export const fakeInstances = (leases: ReadonlyMap<GroupId, { readonly holder: string; readonly until: number }> = new Map()): FakeInstances => {
    const rows = new Map<InstanceId, InstanceRow>();
    const prunes: Date[] = [];
    const fake: FakeInstances = {
        rows,
        prunes,
        fails: undefined,
        store: {
            beat: async (identity, startedAt, at) => {
                if (fake.fails !== undefined) {
                    throw fake.fails;
                }

                const row = rows.get(identity.id);
                rows.set(identity.id, { identity, startedAt: row?.startedAt ?? startedAt, lastSeenAt: at });
            },
            leave: async (id) => {
                if (fake.fails !== undefined) {
                    throw fake.fails;
                }

                rows.delete(id);
            },
            listLive: async (seenSince, now) => [...rows.values()]
                .filter((r) => r.lastSeenAt.getTime() >= seenSince.getTime())
                .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())
                .map((r) => ({
                    ...r.identity, startedAt: r.startedAt, lastSeenAt: r.lastSeenAt,
                    leases: [...leases.values()].filter((l) => l.holder.startsWith(`${r.identity.id}/`) && l.until > now.getTime()).length
                })),
            prune: async (seenBefore) => {
                prunes.push(seenBefore);
                const gone = [...rows.values()].filter((r) => r.lastSeenAt.getTime() < seenBefore.getTime());
                gone.forEach((r) => rows.delete(r.identity.id));
                return gone.length;
            }
        }
    };
    return fake;
};
