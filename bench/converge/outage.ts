// Outage amplification: from a busy steady state (every group just swept),
// every group wants one more server (its policy executed: a decision, which
// kicks the converger) while Nova answers 503 to every compute call for T seconds. Counted: compute requests the simulator
// received in the window, with the plugin (defaults: breaker, rechecks,
// sweep), then with a naive loop (each group retrying its create every R ms).
import { setTimeout as sleep } from 'node:timers/promises';
import type { BreakerState } from '../../adapters/nova/region-breaker';
import { type RequestLogEntry, startSimulator } from '../../simulator';
import type { ConvergeSettings } from './settings';
import { naiveRetry } from './floor';
import { guardedCompute, inject, mountPlugin, seedGroups } from './rig';
import { postgresDatabase } from '../shared/databases';

export interface OutageRow {
    readonly groups: number;
    readonly seconds: number;
    readonly retryMs: number;
    readonly plugin: number;               // compute requests in the window
    readonly beforeOpen: number;           // ... of which before the breaker first opened
    readonly openedAfterMs: number | null; // when it first opened, from the window's start
    readonly lastAfterOpenMs: number;      // the last request that arrived after it opened, from the opening
    readonly maxPerSOpen: number;          // the busiest second while open, after its first (requests then were in flight)
    readonly naive: number;
}

const computeIn = (log: readonly RequestLogEntry[], from: number, to: number): number[] =>
    log.filter((r) => r.service === 'compute' && r.at.getTime() >= from && r.at.getTime() < to).map((r) => r.at.getTime());

// The busiest 1-s bucket from `from` on (an open spell, to the window's end).
const busiestSecond = (times: readonly number[], from: number): number => {
    const buckets = new Map<number, number>();
    for (const t of times.filter((at) => at >= from)) {
        const b = Math.floor((t - from) / 1000);
        buckets.set(b, (buckets.get(b) ?? 0) + 1);
    }

    return Math.max(0, ...buckets.values());
};

export const outageRun = async (cs: ConvergeSettings, adminUrl: string): Promise<OutageRow> => {
    const database = await postgresDatabase(adminUrl);
    const sim = await startSimulator({ demo: true, buildDelayMs: 0 });
    const changes: { at: number; state: BreakerState }[] = [];
    const compute = guardedCompute(sim, { onBreakerChange: (_region, state) => changes.push({ at: Date.now(), state }) });
    const windowMs = cs.outageSeconds * 1000;
    try {
        const server = await mountPlugin(database.host.kind === 'postgres' ? database.host.url : '', sim, compute, { concurrency: cs.concurrency });
        const groups = await seedGroups(server, sim, cs.outageGroups, cs.groupsPerTenant);
        // A busy steady state: every group just swept, its listings all
        // successes in the breaker's rolling window when the outage begins. The
        // breaker must open on the outage, not wait for as many failures.
        await server.plugins['nova-autoscale'].sweepOnce();
        let start = 0;
        try {
            sim.faults.outage(true);
            sim.clearRequests();
            start = Date.now();
            for (let i = 0; i < groups.length; i += 20) {
                await Promise.all(groups.slice(i, i + 20).map((g) => inject(server, g.tenantId, 'POST', `/groups/${g.groupId}/policies/${g.policyId}/execute`)));
            }

            await sleep(Math.max(0, start + windowMs - Date.now()));
        }
        finally {
            await server.stop();
        }

        const plugin = computeIn(sim.requests, start, start + windowMs);
        const opened = changes.find((c) => c.state === 'open' && c.at >= start)?.at ?? null;

        sim.clearRequests();
        const naiveStart = Date.now();
        await naiveRetry(sim, groups, naiveStart + windowMs, cs.naiveRetryMs);
        const naive = computeIn(sim.requests, naiveStart, naiveStart + windowMs).length;
        return {
            groups: groups.length, seconds: cs.outageSeconds, retryMs: cs.naiveRetryMs, plugin: plugin.length,
            beforeOpen: opened === null ? plugin.length : plugin.filter((t) => t < opened).length,
            openedAfterMs: opened === null ? null : opened - start,
            lastAfterOpenMs: opened === null ? Number.NaN : Math.max(0, ...plugin.map((t) => t - opened)),
            maxPerSOpen: opened === null ? Number.NaN : busiestSecond(plugin, opened + 1000),
            naive
        };
    }
    finally {
        compute.close();
        await sim.stop();
        await database.drop();
    }
};
