// What each of a group's servers is, seen through the ledger (design idea 3,
// contract §3). Pure: the ledger, a complete Nova listing and the time in,
// one condition per live intent out, plus the bookkeeping the ledger needs
// (adopt a server found by its intent id, retire an intent that is gone) and
// the orphans. Only servers whose metadata names this group are looked at;
// everything else in the project is invisible here.
import { groupMetadataKey, intentMetadataKey, leavesFirst, type LedgerEntry } from '../model/ledger';
import type { DeleteReason, FailureReason, RetireReason } from '../model/activity';
import type { NovaServer } from '../model/server';

interface MemberBase {
    readonly intentId: string;
    readonly createdAt: Date;        // the ledger's: when the intent was written
}

// Conditions (docs/workflows.md): `ready` is ACTIVE in Nova with a launch
// workflow still to start, `joining` in it; `leaving` runs its terminate
// workflow, `left` has finished it and is deleted now. `leaves`: its delete
// goes through its terminate workflow first.
export type Member =
    | MemberBase & { readonly condition: 'active' | 'joining'; readonly serverId: string; readonly leaves: boolean }
    | MemberBase & { readonly condition: 'building' | 'ready' | 'leaving'; readonly serverId: string }
    | MemberBase & { readonly condition: 'in_flight'; readonly serverId: null }          // create sent, no server seen yet
    | MemberBase & { readonly condition: 'failed'; readonly serverId: string; readonly reason: FailureReason; readonly leaves: boolean }
    | MemberBase & { readonly condition: 'left'; readonly serverId: string; readonly reason: DeleteReason }
    | MemberBase & { readonly condition: 'going'; readonly serverId: string; readonly resendDelete: boolean };

export interface Adopt {
    readonly intentId: string;
    readonly serverId: string;
}

export interface Retire {
    readonly intentId: string;
    readonly reason: RetireReason;
}

export interface Classification {
    readonly members: readonly Member[];
    readonly adopts: readonly Adopt[];
    readonly retires: readonly Retire[];
    readonly orphans: readonly NovaServer[];   // ours by metadata, unknown to the ledger
}

export interface ClassifyInput {
    readonly groupId: string;
    readonly ledger: readonly LedgerEntry[];
    readonly servers: readonly NovaServer[];   // the whole project's listing, known complete
    readonly now: Date;
    readonly buildTimeoutS: number;
    // Whether a server Nova shows ACTIVE has a launch workflow to go through
    // first (else it is in service at once, and ready is active).
    readonly joins: boolean;
}

export const isBeingDeleted = (server: NovaServer): boolean => server.taskState === 'deleting';

export const elapsedS = (since: Date, now: Date): number => (now.getTime() - since.getTime()) / 1000;

// At exactly the timeout it has run out (as a cooldown that "just passed").
export const timedOut = (since: Date, now: Date, timeoutS: number): boolean => elapsedS(since, now) >= timeoutS;

const failureStatuses: Readonly<Record<string, FailureReason>> = {
    ERROR: 'error',
    SHUTOFF: 'shutoff',
    DELETED: 'deleted_state',
    SOFT_DELETED: 'deleted_state'
};

// The condition of a server the ledger tracks. Any status that is neither
// building nor failed (ACTIVE, and REBOOT, RESIZE, MIGRATING, PAUSED,
// SHELVED, UNKNOWN... an operator's doing or a passing state) counts as
// active: it occupies capacity, and replacing it would overshoot when it
// comes back.
export const serverCondition = (entry: LedgerEntry, server: NovaServer, now: Date, buildTimeoutS: number, joins: boolean): Member => {
    const base = { intentId: entry.intentId, createdAt: entry.createdAt, serverId: server.id };
    const status = server.status.toUpperCase();
    if (isBeingDeleted(server) || (entry.state === 'deleting' && failureStatuses[status] === 'deleted_state')) {
        return { ...base, condition: 'going', resendDelete: false };
    }

    // We committed to deleting it, yet Nova shows no delete under way: the request was lost.
    if (entry.state === 'deleting') {
        return { ...base, condition: 'going', resendDelete: true };
    }

    // On its way out, whatever Nova says: the delete follows its terminate workflow.
    if (entry.state === 'leaving') {
        return entry.workflow.outcome === 'running' ? { ...base, condition: 'leaving' } : { ...base, condition: 'left', reason: entry.leaveReason };
    }

    const leaves = leavesFirst(entry);
    const failure = failureStatuses[status];
    if (failure) {
        return { ...base, condition: 'failed', reason: failure, leaves };
    }

    // A launch workflow that said no (or whose default did): a failed build.
    if (entry.state === 'joining' && entry.workflow.outcome === 'abandon') {
        return { ...base, condition: 'failed', reason: entry.workflow.reason ?? 'workflow_abandoned', leaves };
    }

    if (status === 'BUILD') {
        // Timed from the ledger's intent: our clock, and never later than Nova's create.
        return timedOut(entry.createdAt, now, buildTimeoutS) ?
            { ...base, condition: 'failed', reason: 'build_timeout', leaves } :
            { ...base, condition: 'building' };
    }

    if (entry.state === 'joining') {
        return { ...base, condition: entry.workflow.outcome === 'running' ? 'joining' : 'active', leaves };
    }

    return entry.state === 'active' || !joins ? { ...base, condition: 'active', leaves } : { ...base, condition: 'ready' };
};

// Code-unit order (not locale order): the same answer on every host.
const byCodeUnits = (a: string, b: string): number => Number(a > b) - Number(a < b);

// Oldest first, then by id: the one a duplicate intent id keeps.
const firstCreated = (a: NovaServer, b: NovaServer): number =>
    a.created.getTime() - b.created.getTime() || byCodeUnits(a.id, b.id);

// Plans list intents in one order whatever order the store returned them in.
const byCreateThenIntent = (a: LedgerEntry, b: LedgerEntry): number =>
    a.createdAt.getTime() - b.createdAt.getTime() || byCodeUnits(a.intentId, b.intentId);

interface ListingIndex {
    readonly ids: ReadonlySet<string>;
    readonly byGroup: ReadonlyMap<string, readonly NovaServer[]>;   // by the group their metadata names
}

// One index per listing, however many of its project's groups are classified
// against it (a sweep shares one listing among them): each group then costs
// its own servers, not the whole project's. A cache, so still a pure function.
const indexes = new WeakMap<readonly NovaServer[], ListingIndex>();

const indexOf = (servers: readonly NovaServer[]): ListingIndex => {
    const known = indexes.get(servers);
    if (known) {
        return known;
    }

    const byGroup = new Map<string, NovaServer[]>();
    for (const server of servers) {
        const groupId = server.metadata[groupMetadataKey];
        const group = groupId === undefined ? undefined : byGroup.get(groupId);
        if (group) {
            group.push(server);
        }
        else if (groupId !== undefined) {
            byGroup.set(groupId, [server]);
        }
    }

    const index = { ids: new Set(servers.map((s) => s.id)), byGroup };
    indexes.set(servers, index);
    return index;
};

// The servers of a listing whose metadata names the group.
export const serversNaming = (servers: readonly NovaServer[], groupId: string): readonly NovaServer[] =>
    indexOf(servers).byGroup.get(groupId) ?? [];

export const classifyServers = (input: ClassifyInput): Classification => {
    const { groupId, now, buildTimeoutS, joins } = input;
    const listed = indexOf(input.servers).ids;
    const ours = serversNaming(input.servers, groupId);
    const oursById = new Map(ours.map((s) => [s.id, s]));
    const live = input.ledger.filter((e) => e.state !== 'gone').sort(byCreateThenIntent);

    // A server id the ledger already holds is matched by id, never again by intent id.
    const claimed = new Set(live.flatMap((e) => (e.serverId !== null && oursById.has(e.serverId) ? [e.serverId] : [])));
    const members: Member[] = [];
    const adopts: Adopt[] = [];
    const retires: Retire[] = [];

    for (const entry of live) {
        if (entry.serverId !== null) {
            const server = oursById.get(entry.serverId);
            if (server) {
                members.push(serverCondition(entry, server, now, buildTimeoutS, joins));
            }
            else {
                const reason = listed.has(entry.serverId) ? 'disowned' : entry.state === 'deleting' ? 'deleted' : 'vanished';
                retires.push({ intentId: entry.intentId, reason });
            }

            continue;
        }

        // The create's answer was lost: look for the server by the intent id it carries.
        const found = ours
            .filter((s) => !claimed.has(s.id) && s.metadata[intentMetadataKey] === entry.intentId)
            .sort(firstCreated)[0];
        if (found) {
            claimed.add(found.id);
            adopts.push({ intentId: entry.intentId, serverId: found.id });
            members.push(serverCondition(entry, found, now, buildTimeoutS, joins));
        }
        else if (entry.state === 'deleting') {
            // Nothing to delete by id; should it appear later, it is an orphan.
            retires.push({ intentId: entry.intentId, reason: 'deleted' });
        }
        else if (timedOut(entry.createdAt, now, buildTimeoutS)) {
            retires.push({ intentId: entry.intentId, reason: 'create_lost' });
        }
        else {
            // Its create may still be in flight: it counts as pending until the timeout.
            members.push({ intentId: entry.intentId, createdAt: entry.createdAt, serverId: null, condition: 'in_flight' });
        }
    }

    const orphans = ours.filter((s) => !claimed.has(s.id)).sort(firstCreated);
    return { members, adopts, retires, orphans };
};
