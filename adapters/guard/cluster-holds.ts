// The holds of one upstream that other instances set (contract §9): read at
// most once a second per process and shared by every call in between, and
// written when this process sees one. What this process saw itself it keeps
// in its own guard too, so it needs no read to honour it.
//
// When the database cannot be read, the holds last read stay in force until
// they lapse (the safe side); what is new elsewhere is missed until it can.
import { cachedFor } from '../../core/engine/cached';
import type { Clock } from '../../core/ports/clock';
import type { ClusterLink } from './cluster-link';
import type { ClusterGuardStore, HoldCause, RegionHold, Upstream } from './cluster-store';

// The contract's "cached at most 1 s".
export const HOLDS_FRESH_MS = 1000;

export class ClusterHolds {
    private known: readonly RegionHold[] = [];
    private readonly fresh: () => Promise<readonly RegionHold[]>;
    private readonly upstream: Upstream;

    constructor(private readonly link: ClusterLink, private readonly service: string, private readonly clock: Clock) {
        this.upstream = { cloud: link.cloud, service };
        this.fresh = cachedFor(clock, HOLDS_FRESH_MS, () => this.load());
    }

    // Brings what is known up to date, if the last read is a second old.
    async read(): Promise<void> {
        await this.fresh();
    }

    // When the latest hold of this cause over the region ends (epoch ms; 0: none), another instance's.
    until(region: string, cause: HoldCause): number {
        return this.known.reduce((latest, h) =>
            (h.region === region && h.cause === cause && h.setBy !== this.link.instance ? Math.max(latest, h.untilMs) : latest), 0);
    }

    async set(region: string, cause: HoldCause, untilMs: number): Promise<void> {
        await this.quietly(`share a ${cause} hold of ${this.service} ${region}`, (store) =>
            store.hold(this.upstream, { region, cause, untilMs, setBy: this.link.instance }));
    }

    async end(region: string, cause: HoldCause): Promise<void> {
        await this.quietly(`end a ${cause} hold of ${this.service} ${region}`, (store) => store.endHold(this.upstream, region, cause, this.link.instance));
    }

    private async load(): Promise<readonly RegionHold[]> {
        await this.quietly(`read the holds of ${this.service}`, async (store) => {
            this.known = await store.holdsOf(this.upstream, this.clock.now().getTime());
        });
        return this.known;
    }

    // A failure is the link's to tell (once per outage); the guard goes on with what it knows.
    private async quietly(what: string, work: (store: ClusterGuardStore) => Promise<unknown>): Promise<void> {
        try {
            await this.link.reach(what, work);
        }
        catch {
            // Told by the link.
        }
    }
}
