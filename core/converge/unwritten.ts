// What a run could not write because the database went away under it, and
// only this process knows: the lease it could not let go, and intents whose
// creates it never sent but could not retire. Left unwritten, the lease keeps
// every instance off the group until it lapses (its TTL), and the intents
// count as creates in flight until the build timeout (an hour by default): the
// group would stay below desired long after the database is back. The
// converger loop writes them before its next run (core/engine/converger-loop.ts).
// Each write is one a run makes anyway, and harmless to repeat: a lease is let
// go only by its own holder, and no one else ever sends an intent's create.
import type { GroupId } from '../model/ids';
import type { ConvergenceStore } from '../ports/convergence';

export interface Unwritten {
    lease(groupId: GroupId, holder: string): void;
    unsent(intentId: string, reason: string): void;
    // Writes them all (the intents first: by the time the lease is free, the
    // ledger is right); throws while the database is still away, and keeps
    // what it has not written for the next call. One write at a time.
    write(store: Pick<ConvergenceStore, 'releaseLease' | 'retireIntent'>): Promise<void>;
}

export const unwrittenWrites = (): Unwritten => {
    const leases = new Map<string, GroupId>();      // by holder: a holder is one run, of one group
    const intents = new Map<string, string>();      // intent id → the reason it is retired
    let writing: Promise<void> | null = null;

    const writeAll = async (store: Pick<ConvergenceStore, 'releaseLease' | 'retireIntent'>): Promise<void> => {
        for (const [intentId, reason] of [...intents]) {
            await store.retireIntent(intentId, reason);
            intents.delete(intentId);
        }

        for (const [holder, groupId] of [...leases]) {
            await store.releaseLease(groupId, holder);
            leases.delete(holder);
        }
    };

    return {
        lease: (groupId, holder) => {
            leases.set(holder, groupId);
        },
        unsent: (intentId, reason) => {
            intents.set(intentId, reason);
        },
        write: (store) => {
            if (leases.size + intents.size === 0) {
                return Promise.resolve();
            }

            writing ??= writeAll(store).finally(() => {
                writing = null;
            });
            return writing;
        }
    };
};
