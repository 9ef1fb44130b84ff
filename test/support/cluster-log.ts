// The simulator's request log as the cluster test reads it (contract §9): the
// compute requests of plugin instances, each named by the instance its
// User-Agent names and by its project (the test gives each group a project of
// its own, so a listing names its group too), and the measures the test
// holds the cluster to.
import { intentMetadataKey } from '../../core/model/ledger';
import { instanceUserAgent } from '../../adapters/http/service-call';
import type { RequestLogEntry } from '../../simulator';

// An entry as GET /_sim/requests sends it: its time as a string.
export type LoggedRequest = Omit<RequestLogEntry, 'at'> & { readonly at: string };

export interface ComputeCall {
    readonly seq: number;                  // its place in the log: the order requests reached the simulator
    readonly at: number;                   // epoch ms, the simulator's clock
    readonly instance: string;
    readonly projectId: string;
    readonly method: string;
    readonly path: string;
    readonly status: number;
    readonly fault: string | null;
    readonly intentId: string | null;      // a create's
}

export const isCreate = (c: ComputeCall): boolean => c.method === 'POST' && c.path === '/servers';
export const isListing = (c: ComputeCall): boolean => c.method === 'GET' && c.path === '/servers/detail';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

// The intent id a create's body names in its server's metadata (contract §3).
const intentOf = (body: unknown): string | null => {
    const server = isRecord(body) ? body.server : undefined;
    const metadata = isRecord(server) ? server.metadata : undefined;
    const intent = isRecord(metadata) ? metadata[intentMetadataKey] : undefined;
    return typeof intent === 'string' ? intent : null;
};

// The compute requests of the given instances, in the order they arrived. A
// customer's own calls (the launch checks at a group's creation) carry no
// instance's User-Agent and are left out.
export const computeCalls = (log: readonly LoggedRequest[], instances: readonly string[]): ComputeCall[] => {
    const byAgent = new Map(instances.map((id) => [instanceUserAgent(id), id]));
    return log.flatMap((r, seq) => {
        const instance = r.userAgent === undefined ? undefined : byAgent.get(r.userAgent);
        if (r.service !== 'compute' || instance === undefined || typeof r.projectId !== 'string') {
            return [];
        }

        return [{
            seq, at: Date.parse(r.at), instance, projectId: r.projectId, method: r.method, path: r.path, status: r.status,
            fault: r.fault ?? null, intentId: r.method === 'POST' && r.path === '/servers' ? intentOf(r.body) : null
        }];
    });
};

// Creates that show two runs of one group at once. A run lists the group's
// project before it creates (core/converge/run.ts), and one run of a group
// ends (its creates answered) before the next one's lease is taken, so each
// create follows a listing of its project by the same instance with no other
// instance's create in between. Ordered by arrival at the simulator, which is
// exact where the logged times may tie. (Per-instance spans of a group's
// creates may well overlap without two runs at once: a group's runs move
// between instances whenever a kick, a sweep or a takeover finds it free.)
export const overlappingCreates = (calls: readonly ComputeCall[]): ComputeCall[] => {
    const out: ComputeCall[] = [];
    const listedAt = new Map<string, number>();                 // project/instance → seq of its last listing
    const creates = new Map<string, ComputeCall[]>();           // project → its creates so far
    for (const call of [...calls].sort((a, b) => a.seq - b.seq)) {
        const key = `${call.projectId}/${call.instance}`;
        if (isListing(call)) {
            listedAt.set(key, call.seq);
        }
        else if (isCreate(call)) {
            const seen = listedAt.get(key);
            const before = creates.get(call.projectId) ?? [];
            if (seen === undefined || before.some((c) => c.instance !== call.instance && c.seq > seen)) {
                out.push(call);
            }

            creates.set(call.projectId, [...before, call]);
        }
    }

    return out;
};

// Projects whose per-instance spans of creates overlap: not a fault (above),
// but how often a group's work moved back and forth between instances.
export const projectsWithInterleavedCreates = (calls: readonly ComputeCall[]): string[] => {
    const spans = new Map<string, Map<string, { first: number; last: number }>>();
    for (const c of calls.filter(isCreate)) {
        const byInstance = spans.get(c.projectId) ?? new Map<string, { first: number; last: number }>();
        const span = byInstance.get(c.instance) ?? { first: c.seq, last: c.seq };
        byInstance.set(c.instance, { first: Math.min(span.first, c.seq), last: Math.max(span.last, c.seq) });
        spans.set(c.projectId, byInstance);
    }

    return [...spans].filter(([, byInstance]) => {
        const sorted = [...byInstance.values()].sort((a, b) => a.first - b.first);
        return sorted.some((s, i) => i > 0 && s.first < (sorted[i - 1]?.last ?? -1));
    }).map(([project]) => project);
};

// The most of `times` (epoch ms) in any window of one second.
export const busiestSecond = (times: readonly number[]): number => {
    const sorted = [...times].sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; i < sorted.length; i++) {
        while ((sorted[i] ?? 0) - (sorted[j] ?? 0) >= 1000) {
            j++;
        }

        most = Math.max(most, i - j + 1);
    }

    return most;
};

// Events per second after the first second (when a full bucket's burst may
// go at once): those from the first one's time + 1 s on, over the time they span.
export const rateAfterFirstSecond = (times: readonly number[]): number => {
    const sorted = [...times].sort((a, b) => a - b);
    const from = (sorted[0] ?? 0) + 1000;
    const later = sorted.filter((t) => t >= from);
    const spanS = ((later[later.length - 1] ?? from) - from) / 1000;
    return spanS > 0 ? later.length / spanS : 0;
};
