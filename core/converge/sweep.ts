// The self-heal sweep at scale (design idea 1): a page of groups, each tenant
// project listed once for all of its groups. A group that listing shows
// converged (the plan is done, it teaches the ledger nothing, the status is
// ACTIVE) ends there, so a steady state costs one listing per project and no
// write. Every other group is handed back for a full run: its lease, a fresh
// listing, the passes (core/converge/run.ts). Deciding "nothing to do" needs no
// lease: it writes nothing, and a run under way elsewhere is not disturbed.
import { serversNaming } from './classify';
import { observationOf, observeListing, writesNothing } from './observe';
import { planFor, scopeOf, type ConvergeResult, type ConvergerDeps } from './run';
import type { GroupId } from '../model/ids';
import type { NovaListing, Plan } from './plan';
import type { ConvergenceSnapshot } from '../ports/convergence';

export interface Triage {
    readonly steady: readonly ConvergeResult[];
    readonly unsettled: readonly GroupId[];     // for a full run each
}

// A sufficient condition for isSteady, without a plan: every intent ACTIVE in
// the ledger and in Nova, as many as desired, and no other server naming the
// group. Most groups of a sweep are this; the rest are planned in full.
// (test/core/converge/sweep.ts checks it never says steady where the planner would not.)
export const plainlySteady = (snap: ConvergenceSnapshot, listing: NovaListing): boolean => {
    if (listing.kind !== 'known' || snap.status !== 'ACTIVE' || snap.paused || snap.orphans.length > 0 ||
        snap.ledger.length !== snap.desired || snap.desired > snap.maxEntities) {
        return false;
    }

    const named = serversNaming(listing.servers, snap.groupId);
    if (named.length !== snap.ledger.length) {
        return false;
    }

    const byId = new Map(named.map((s) => [s.id, s]));
    return snap.ledger.every((entry) => {
        const server = entry.state === 'active' && entry.serverId !== null ? byId.get(entry.serverId) : undefined;
        return server !== undefined && server.status === 'ACTIVE' && server.taskState === null;
    });
};

export const isSteady = (snap: ConvergenceSnapshot, listing: NovaListing, plan: Plan): boolean => {
    if (plan.outcome !== 'done' || snap.status !== 'ACTIVE') {
        return false;
    }

    return writesNothing(observationOf(snap, listing, plan));
};

// Consecutive snapshots of one project, in the page's order.
const byProject = (snaps: readonly ConvergenceSnapshot[]): ConvergenceSnapshot[][] => {
    const runs: ConvergenceSnapshot[][] = [];
    for (const snap of snaps) {
        const last = runs[runs.length - 1];
        if (last !== undefined && last[0]?.tenantId === snap.tenantId) {
            last.push(snap);
        }
        else {
            runs.push([snap]);
        }
    }

    return runs;
};

// Listings one at a time, the next sent before this project's groups are
// planned, so planning overlaps the wait for Nova rather than adding to it.
// `turn` is a turn of the event loop (Scheduler.turn): a request just begun
// reaches its socket only after it, not during the planning that follows.
export const triage = async (deps: ConvergerDeps, snaps: readonly ConvergenceSnapshot[], turn: () => Promise<void>): Promise<Triage> => {
    const steady: ConvergeResult[] = [];
    const unsettled: GroupId[] = [];
    const projects = byProject(snaps);
    const listingOf = (project: readonly ConvergenceSnapshot[]): Promise<NovaListing> =>
        observeListing(deps.compute, scopeOf(deps, project[0] as ConvergenceSnapshot));   // a project has at least one group

    let next: Promise<NovaListing> | undefined;
    for (const [i, project] of projects.entries()) {
        const listing = await (next ?? listingOf(project));
        const following = projects[i + 1];
        next = following && listingOf(following);
        next?.catch(() => undefined);   // awaited on the next turn; never an unhandled rejection meanwhile
        await turn();    // let the next request go out before this project is looked at
        const now = deps.clock.now();
        for (const snap of project) {
            if (plainlySteady(snap, listing)) {
                steady.push({ groupId: snap.groupId, outcome: 'done', passes: 1, plan: null, retryAt: null });
                continue;
            }

            const plan = planFor(deps, snap, listing, now);
            if (isSteady(snap, listing, plan)) {
                steady.push({ groupId: snap.groupId, outcome: 'done', passes: 1, plan, retryAt: null });
            }
            else {
                unsettled.push(snap.groupId);
            }
        }
    }

    return { steady, unsettled };
};
