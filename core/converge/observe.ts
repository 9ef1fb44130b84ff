// Observe, for the converger: the Nova listing as the planner wants it
// (a ComputeError is an unknown listing, never an empty one: design idea 4),
// and what a plan teaches the ledger and the activity log.
import { groupMetadataKey, intentMetadataKey, serverNameSuffix } from '../model/ledger';
import type { NovaListing, OrphanReport, Plan } from './plan';
import { type Compute, type ComputeScope } from '../ports/compute';
import { ComputeError } from '../model/server';
import type { ConvergenceSnapshot, Observation } from '../ports/convergence';
import type { ActivityInput } from '../model/activity';

export const observeListing = async (compute: Compute, scope: ComputeScope): Promise<NovaListing> => {
    try {
        return { kind: 'known', servers: await compute.listServers(scope) };
    }
    catch (err) {
        if (err instanceof ComputeError) {
            return { kind: 'unknown', reason: `${err.kind}: ${err.message}` };
        }

        throw err;
    }
};

export const convergerRow = (snap: Pick<ConvergenceSnapshot, 'desired'>, row: Pick<ActivityInput, 'kind' | 'outcome' | 'reason' | 'message'>): ActivityInput =>
    ({ source: 'converger', who: 'converger', desiredBefore: snap.desired, desiredAfter: snap.desired, ...row });

// The plan's orphans, unless they are the snapshot's already (the same
// servers, first seen at the same times): null, nothing to write.
const orphansToWrite = (snap: ConvergenceSnapshot, listing: NovaListing, plan: Plan): readonly OrphanReport[] | null => {
    if (listing.kind !== 'known') {
        return null;
    }

    const had = new Map(snap.orphans.map((o) => [o.serverId, o.since.getTime()]));
    return plan.orphans.length === had.size && plan.orphans.every((o) => had.get(o.serverId) === o.since.getTime()) ? null : plan.orphans;
};

// A pass that learnt nothing writes nothing: no transaction for it.
export const writesNothing = (o: Observation): boolean =>
    o.adopts.length === 0 && o.retires.length === 0 && o.states.length === 0 && o.orphans === null && o.activity.length === 0;

export const observationOf = (snap: ConvergenceSnapshot, listing: NovaListing, plan: Plan): Observation => {
    const known = new Set(snap.orphans.map((o) => o.serverId));
    const ledgerState = new Map(snap.ledger.map((e) => [e.intentId, e.state]));
    const row = (r: Pick<ActivityInput, 'kind' | 'outcome' | 'reason' | 'message'>) => convergerRow(snap, r);
    return {
        adopts: plan.adopts,
        retires: plan.retires,
        // Only the entries whose state moved: a steady group writes nothing per server.
        states: plan.members.flatMap((m) => ((m.condition === 'active' || m.condition === 'building') && ledgerState.get(m.intentId) !== m.condition ?
            [{ intentId: m.intentId, state: m.condition }] : [])),
        orphans: orphansToWrite(snap, listing, plan),
        activity: [
            ...plan.adopts.map((a) => row({ kind: 'adopt', outcome: 'done', reason: 'adopted', message: `Server ${a.serverId} carries intent ${a.intentId}: adopted` })),
            ...plan.retires.map((r) => row({ kind: 'retire', outcome: 'done', reason: r.reason, message: `Intent ${r.intentId} retired (${r.reason})` })),
            ...plan.orphans.filter((o) => !known.has(o.serverId)).map((o) => row({
                kind: 'orphan', outcome: 'done', reason: 'orphan', message: `Server ${o.serverId} names this group but no intent of ours: an orphan, deleted after its grace period`
            })),
            ...plan.holds.map((h) => row({ kind: 'hold', outcome: 'refused', reason: h.reason, message: h.message }))
        ]
    };
};

// args.server as the customer wrote it, with our name suffix and metadata added (contract §3).
export const serverRequest = (launchServer: Readonly<Record<string, unknown>>, groupId: string, intentId: string): Record<string, unknown> => {
    const name = typeof launchServer.name === 'string' ? launchServer.name : 'server';
    const metadata = launchServer.metadata !== null && typeof launchServer.metadata === 'object' ? launchServer.metadata : {};
    return {
        ...launchServer,
        name: `${name}${serverNameSuffix(intentId)}`,
        metadata: { ...metadata, [groupMetadataKey]: groupId, [intentMetadataKey]: intentId }
    };
};
