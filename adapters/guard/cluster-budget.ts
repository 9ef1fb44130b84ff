// A region's creation budget held for the whole cluster (contract §9): a
// token-bucket row per (service, region) that every instance takes from in
// one statement (adapters/store/cluster-guards.ts), with a slot per create in
// flight that lapses on its own.
//
// Within a process, waiting creates ask one at a time (a turn each, in
// order): N instances put at most N askers on the row, whatever their
// convergers' concurrency, and a refused create sleeps until the next token
// rather than every waiter asking again at once.
//
// When the row cannot be reached (the database is down or slow) a create is
// refused, not sent on a local guess: no local share could know how many
// others are sending, and a create needs the database for its ledger row
// anyway.
import { randomUUID } from 'node:crypto';
import { limiter } from '../../core/engine/limiter';
import { budgetWait, type CreateBudgetLimits } from './budget';
import type { ClusterLink } from './cluster-link';
import type { BudgetAnswer, RegionBudget } from './region-budget';

// A slot's lapse: past any create's deadline (Nova's is 30 s, Octavia's
// shorter, a token fetch included), so only a create whose instance died
// before it could say is ever lapsed; that instance's share comes back then.
export const SLOT_LAPSE_MS = 120_000;

export const clusterBudget = (link: ClusterLink, service: string, region: string, limits: CreateBudgetLimits): RegionBudget => {
    const upstream = { cloud: link.cloud, service };
    const oneAtATime = limiter(1);
    let inFlight = 0;

    const release = async (slotId: string): Promise<void> => {
        try {
            await link.reach(`free a create's slot in ${service} ${region}`, (store) => store.finishCreate(upstream, region, slotId));
        }
        catch {
            // Told once by the link; the slot lapses on its own.
        }
    };

    return {
        turn: oneAtATime,
        admit: async (nowMs): Promise<BudgetAnswer> => {
            const slot = { id: randomUUID(), lapsesAtMs: nowMs + SLOT_LAPSE_MS };
            // A promise even if the store throws at once (not open yet).
            const taking = Promise.resolve().then(() => link.store.takeCreate(upstream, region, limits, slot, nowMs));
            let take;
            try {
                take = await link.reach(`take from the creation budget of ${service} ${region}`, () => taking);
            }
            catch {
                // A take that lands after its deadline sent nothing: its slot is given back.
                taking.then((late) => (late.admitted ? release(slot.id) : undefined), () => undefined);
                return { admitted: false, why: 'unknown' };
            }

            if (!take.admitted) {
                // The row as refilled to now says why, and how long until a token.
                return { admitted: false, ...budgetWait(take.state, limits) };
            }

            inFlight++;
            return {
                admitted: true,
                finish: () => {
                    inFlight--;
                    return release(slot.id);
                }
            };
        },
        inFlight: () => inFlight
    };
};
