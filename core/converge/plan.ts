// The planner (design ideas 1, 3, 4, 5; contract §3): what the converger
// should do next to make Nova match a group's desired capacity. Pure and
// level-based: it reads the whole current state (desired, the ledger, the
// Nova listing, the time) and answers the same for the same input, so a
// crash, a retry or a second run is harmless. The converger executes the
// steps, records them, lists again and asks again.
import {
    classifyServers, elapsedS, isBeingDeleted, type Adopt, type Member, type Retire
} from './classify';
import type { DeleteReason, HoldReason } from '../model/activity';
import type { KillSwitchMode } from '../model/kill-switch';
import type { LedgerEntry } from '../model/ledger';
import { pickScaleDown, type ScaleDownCandidate } from './order';
import type { NovaServer } from '../model/server';

export type { Adopt, Member, Retire } from './classify';

export const defaultOrphanGraceS = 3600;

export type NovaListing =
    | { readonly kind: 'known'; readonly servers: readonly NovaServer[] }   // the whole project, every page
    | { readonly kind: 'unknown'; readonly reason: string };               // failed or partial

// An orphan and when we first saw it: the plan reports these, and the
// converger hands them back next time so the grace period runs across plans
// (a plan on an unknown listing reports none: keep the previous ones).
export interface OrphanReport {
    readonly serverId: string;
    readonly since: Date;
}

export interface PlanInput {
    readonly groupId: string;
    readonly desired: number;
    readonly maxEntities: number;                  // the effective maximum (override included)
    readonly ledger: readonly LedgerEntry[];       // this group's entries
    readonly listing: NovaListing;
    readonly now: Date;
    readonly buildTimeoutS: number;
    readonly orphanGraceS?: number;                // default 1 hour
    readonly knownOrphans: readonly OrphanReport[];
    readonly paused: boolean;
    readonly killSwitch: 'none' | KillSwitchMode;  // the switch in force for the group's region, if any
    // Whether a server Nova shows ACTIVE goes through a launch workflow before
    // it is in service (the group's workflow has launch stages now).
    readonly joins: boolean;
}

export interface PlannedDelete {
    readonly serverId: string;
    readonly intentId: string | null;              // null for an orphan: the ledger does not know it
    readonly reason: DeleteReason;
}

// A server chosen for deletion that leaves through its terminate workflow
// first: no delete is sent until that is done.
export interface PlannedLeave {
    readonly serverId: string;
    readonly intentId: string;
    readonly reason: DeleteReason;
}

export interface Hold {
    readonly reason: HoldReason;
    readonly message: string;
    readonly withheld: { readonly create: number; readonly deletes: number };   // zeros for listing_unknown: what was wanted is unknown (leaves count as deletes)
}

export interface PlanCounts {
    readonly active: number;      // in service
    readonly pending: number;     // building, in flight with no server seen yet, or in its launch workflow
    readonly failed: number;      // failed and still there: this plan deletes them unless a gate holds
    readonly going: number;       // in its terminate workflow, or being deleted
    readonly orphans: number;
}

// What to do next: 'act' on the steps; 'wait' for builds, deletes or an
// orphan's grace; 'hold' because something was withheld; 'done' converged.
export type PlanOutcome = 'act' | 'wait' | 'hold' | 'done';

export interface Plan {
    readonly outcome: PlanOutcome;
    readonly create: number;
    readonly deletes: readonly PlannedDelete[];
    readonly leaves: readonly PlannedLeave[];
    readonly joins: readonly string[];            // intent ids of servers whose launch workflow starts now
    readonly adopts: readonly Adopt[];
    readonly retires: readonly Retire[];
    readonly orphans: readonly OrphanReport[];
    readonly holds: readonly Hold[];
    readonly counts: PlanCounts | null;           // null: the listing is unknown, and unknown is not zero
    readonly members: readonly Member[];           // every live intent's condition, for the group's state
}

interface Steps {
    readonly create: number;
    readonly deletes: readonly PlannedDelete[];
    readonly leaves: readonly PlannedLeave[];
    readonly joins: readonly string[];
    readonly adopts: readonly Adopt[];
    readonly retires: readonly Retire[];
}

interface ScaleDownMember extends ScaleDownCandidate {
    readonly leaves: boolean;
}

const noSteps: Steps = { create: 0, deletes: [], leaves: [], joins: [], adopts: [], retires: [] };

const hasSteps = (s: Steps): boolean =>
    s.create > 0 || s.deletes.length > 0 || s.leaves.length > 0 || s.joins.length > 0 || s.adopts.length > 0 || s.retires.length > 0;

// What the gates count as removals: a leave is the start of a delete.
const removals = (s: Steps): number => s.deletes.length + s.leaves.length;

// The grace runs from the later of the server's creation and our first
// sighting of it, so a server tagged long after its creation (or reappearing
// after its intent was retired) still gets the full grace. An orphan we have
// no record of is first seen now: losing the record only ever delays a delete.
export const orphanSince = (server: NovaServer, known: readonly OrphanReport[], now: Date): Date => {
    const seen = known.find((o) => o.serverId === server.id)?.since ?? now;
    return seen.getTime() >= server.created.getTime() ? seen : server.created;
};

export const orphanIsDue = (orphan: OrphanReport, now: Date, graceS: number): boolean => elapsedS(orphan.since, now) >= graceS;

export const countMembers = (members: readonly Member[], orphans: number): PlanCounts => {
    const of = (...conditions: Member['condition'][]) => members.filter((m) => conditions.includes(m.condition)).length;
    return { active: of('active'), pending: of('building', 'in_flight', 'ready', 'joining'), failed: of('failed'), going: of('going', 'leaving', 'left'), orphans };
};

// Only servers that exist can be scaled down. A create still in flight is
// not a reason to remove a working server: if it lands it is a building
// server, and goes first, next time. `coming`: servers on their way into
// service that can be removed (building, or in their launch workflow).
export const scaleDownCount = (counts: PlanCounts, coming: number, target: number): number =>
    Math.max(0, counts.active + coming - target);

// Failed servers are deleted in this same plan, so they are counted out of
// desired (their replacements are created now) but still in the maximum,
// with everything being deleted: until Nova has removed them they exist,
// and a flapping build can then never take the group over its maximum.
export const createsWanted = (counts: PlanCounts, target: number, maxEntities: number): number => {
    const serving = counts.active + counts.pending;
    const existing = serving + counts.failed + counts.going;
    return Math.max(0, Math.min(target - serving, maxEntities - existing));
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const withheldMessage = (s: Steps): string =>
    [s.create > 0 ? plural(s.create, 'create') : '', removals(s) > 0 ? plural(removals(s), 'delete') : '']
        .filter(Boolean).join(' and ') || 'ledger updates';

// Pause stops everything, ledger bookkeeping and workflow starts included
// (Otter's semantics: nothing acts on a paused group; a workflow already
// running goes on, contract §7). A kill-switch stops cloud calls only:
// adopting, retiring and starting a launch workflow keep the ledger true and
// touch no server (the workflow's own calls are held where they are made).
export const applyGates = (wanted: Steps, paused: boolean, killSwitch: PlanInput['killSwitch']): { steps: Steps; holds: Hold[] } => {
    if (paused) {
        return hasSteps(wanted) ?
            { steps: noSteps, holds: [{ reason: 'paused', message: `The group is paused: withheld ${withheldMessage(wanted)}`, withheld: { create: wanted.create, deletes: removals(wanted) } }] } :
            { steps: noSteps, holds: [] };
    }

    const allowsDeletes = killSwitch !== 'all';
    const allowsCreates = killSwitch === 'none';
    const steps: Steps = {
        ...wanted, create: allowsCreates ? wanted.create : 0, deletes: allowsDeletes ? wanted.deletes : [], leaves: allowsDeletes ? wanted.leaves : []
    };
    const withheld = { create: wanted.create - steps.create, deletes: removals(wanted) - removals(steps) };
    if (withheld.create === 0 && withheld.deletes === 0) {
        return { steps, holds: [] };
    }

    const held: Steps = { ...noSteps, create: withheld.create, deletes: allowsDeletes ? [] : wanted.deletes, leaves: allowsDeletes ? [] : wanted.leaves };
    return { steps, holds: [{ reason: 'kill_switch', message: `Kill-switch (${killSwitch}): withheld ${withheldMessage(held)}`, withheld }] };
};

const outcomeOf = (steps: Steps, holds: readonly Hold[], counts: PlanCounts): PlanOutcome => {
    if (hasSteps(steps)) {
        return 'act';
    }

    if (holds.length > 0) {
        return 'hold';
    }

    return counts.pending + counts.going + counts.orphans > 0 ? 'wait' : 'done';
};

// Unknown is not zero (design idea 4): a failed or partial listing may hide
// servers, so no delete, no scale-in, no retire (an intent may have landed)
// and no create either: pending is unknown, creating could overshoot the
// maximum, and a failing listing is often the start of a Nova incident we
// should not add load to.
const holdOnUnknownListing = (reason: string): Plan => ({
    outcome: 'hold',
    ...noSteps,
    orphans: [],
    holds: [{ reason: 'listing_unknown', message: `The Nova listing is unknown (${reason}): holding`, withheld: { create: 0, deletes: 0 } }],
    counts: null,
    members: []
});

export const planConvergence = (input: PlanInput): Plan => {
    const { listing, now, maxEntities } = input;
    if (listing.kind === 'unknown') {
        return holdOnUnknownListing(listing.reason);
    }

    const graceS = input.orphanGraceS ?? defaultOrphanGraceS;
    const target = Math.max(0, Math.min(input.desired, maxEntities));
    const seen = classifyServers({ groupId: input.groupId, ledger: input.ledger, servers: listing.servers, now, buildTimeoutS: input.buildTimeoutS, joins: input.joins });
    const members = seen.members;
    const orphaned = seen.orphans.map((server) => ({ server, report: { serverId: server.id, since: orphanSince(server, input.knownOrphans, now) } }));
    const orphans = orphaned.map((o) => o.report);
    const counts = countMembers(members, orphans.length);

    // A server that joined through a workflow with terminate stages leaves
    // through them; its delete comes once they are done (a `left` member).
    const out: { deletes: PlannedDelete[]; leaves: PlannedLeave[] } = { deletes: [], leaves: [] };
    const remove = (m: { serverId: string; intentId: string; leaves: boolean }, reason: DeleteReason): void => {
        (m.leaves ? out.leaves : out.deletes).push({ serverId: m.serverId, intentId: m.intentId, reason });
    };

    for (const m of members) {
        if (m.condition === 'failed') {
            remove(m, m.reason);
        }
        else if (m.condition === 'left') {
            out.deletes.push({ serverId: m.serverId, intentId: m.intentId, reason: m.reason });
        }
        else if (m.condition === 'going' && m.resendDelete) {
            out.deletes.push({ serverId: m.serverId, intentId: m.intentId, reason: 'delete_unconfirmed' });
        }
    }

    const candidates = members.flatMap((m): ScaleDownMember[] =>
        m.condition === 'active' || m.condition === 'joining' ? [{ serverId: m.serverId, intentId: m.intentId, createdAt: m.createdAt, phase: m.condition, leaves: m.leaves }] :
            m.condition === 'building' || m.condition === 'ready' ? [{ serverId: m.serverId, intentId: m.intentId, createdAt: m.createdAt, phase: 'building', leaves: false }] :
                []);
    const coming = candidates.filter((c) => c.phase !== 'active').length;
    for (const victim of pickScaleDown(candidates, scaleDownCount(counts, coming, target))) {
        remove(victim, 'scale_down');
    }

    // An orphan's delete is not in the ledger: Nova's task state is the only sign it is under way.
    const orphanDeletes = orphaned
        .filter((o) => !isBeingDeleted(o.server) && orphanIsDue(o.report, now, graceS))
        .map((o): PlannedDelete => ({ serverId: o.server.id, intentId: null, reason: 'orphan' }));

    const victims = new Set([...out.deletes, ...out.leaves].map((r) => r.intentId));
    const wanted: Steps = {
        create: createsWanted(counts, target, maxEntities),
        deletes: [...out.deletes, ...orphanDeletes],
        leaves: out.leaves,
        // A server chosen for removal does not start joining.
        joins: members.flatMap((m) => (m.condition === 'ready' && !victims.has(m.intentId) ? [m.intentId] : [])),
        adopts: seen.adopts,
        retires: seen.retires
    };
    const { steps, holds } = applyGates(wanted, input.paused, input.killSwitch);
    return { outcome: outcomeOf(steps, holds, counts), ...steps, orphans, holds, counts, members };
};
