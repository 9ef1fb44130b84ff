// The converger bench (issue 5 item 8): convergence throughput against a bare
// create loop under the same budget, and outage amplification against a naive
// retry loop, each on a fresh PostgreSQL database dropped after.
import type { BenchSettings } from '../shared/settings';
import { convergeSettings } from './settings';
import { createsRun, type CreatesRow } from './creates';
import { outageRun } from './outage';
import { createsTable, outageTable } from './report';
import { sweepRun } from './sweep';
import { sweepTable } from './sweep-report';
import { membersRun, membersTable } from './members';
import { clusterRun, clusterTable } from './cluster';
import { clusterPluginRun } from './cluster-plugin';
import { takeoverRun } from './takeover';
import { clusterPluginTable, takeoverTable } from './cluster-report';

const section = async (name: string, run: () => Promise<string[]>): Promise<string[]> => {
    const started = Date.now();
    try {
        return [...await run(), `  (${name}: ${((Date.now() - started) / 1000).toFixed(0)}s with setup)`, ''];
    }
    catch (err) {
        return [`!! converger bench, ${name}: ${err instanceof Error ? err.message : String(err)}`, ''];
    }
};

export const convergeBench = async (settings: BenchSettings): Promise<string[]> => {
    const cs = convergeSettings();
    const lines: string[] = [];
    if (cs.parts.includes('creates')) {
        lines.push(...await section('convergence', async () => {
            const rows: CreatesRow[] = [];
            for (const rate of cs.rates) {
                for (const storm of cs.storm) {
                    rows.push(await createsRun(cs, settings.postgresAdminUrl, rate, storm));
                }
            }

            return [
                `converger: ${rows[0]?.creates ?? cs.creates} creates across ${cs.groups} groups (${cs.groupsPerTenant} to a tenant project; issue: 10,000 across 1,000), ` +
                `simulator with zero build time, PostgreSQL. Plugin: a desiredCapacity policy executed on every group through the API, then its own background work ` +
                `(the kick of each decision, rechecks; ${cs.concurrency} creates in flight per run, GuardedCompute with the budget; the storm guard off, then on at the budget's rate) until every server exists; floor: bare undici POST /servers loop, ${cs.concurrency} workers, same token bucket.`,
                '',
                ...createsTable(rows),
                '  wall f/p = floor wall time / plugin wall time; budget used = creates/s achieved / the budget\'s creates/s (a full bucket of burst at the start lets a short run pass 100%);',
                '  listings = GET /servers/detail; held = creates the budget refused (the intent retired, the group looked at again when the budget said).'
            ];
        }));
    }

    if (cs.parts.includes('outage')) {
        lines.push(...await section('outage', async () => {
            const row = await outageRun(cs, settings.postgresAdminUrl);
            return [
                `converger under a full compute outage (503, no Retry-After) of ${cs.outageSeconds}s (issue: 60 s), ${row.groups} groups (issue: 1,000) each executing a +1 policy at its start; ` +
                'plugin with its defaults (breaker 50%/5 calls or 5 failures in a row/30s reset, recheck 2s doubling, sweep 300s; from a busy steady state: every group swept, its listings successes in the window, just before) vs a naive loop, each group retrying its create, no breaker.',
                '',
                ...outageTable([row]),
                '  req = compute requests the simulator received in the window (one region); before open = arrived before the breaker first opened;',
                '  last req after open = the latest arrival after it opened (sent before, in flight); max req/s open = busiest 1-s bucket from 1 s after it opened to the window\'s end.'
            ];
        }));
    }

    if (cs.parts.includes('sweep')) {
        lines.push(...await section('sweep', async () => {
            const row = await sweepRun(cs, settings.postgresAdminUrl);
            return [
                `converger steady-state sweep: ${row.groups} groups x ${row.serversPerGroup} servers (${cs.groupsPerTenant} groups to a tenant project; issue: 10,000 groups / 100,000 servers), ` +
                'converged already (groups and ledger rows inserted in bulk, the servers ACTIVE in the simulator with our metadata), PostgreSQL; the simulator in a process of its own. ' +
                'Plugin: one sweepOnce(); floor: the GET /servers/detail calls that see every server (each project once) alone, through the same GuardedCompute (pool, tokens), one at a time.',
                '',
                ...sweepTable([row]),
                '  req/server beyond listings = compute requests other than GET /servers/detail / servers swept; RSS = the plugin\'s process after the sweep (the simulator is another process).'
            ];
        }));
    }

    if (cs.parts.includes('members')) {
        lines.push(...await section('members', async () => {
            const row = await membersRun(cs, settings.postgresAdminUrl);
            return [
                `converger, joining: ${row.servers} servers across ${row.groups} groups of one tenant into one simulator pool (zero build time, zero member delay), PostgreSQL. ` +
                'Plugin: a desiredCapacity policy executed on every group, then its own background work until every server is in service (its member ACTIVE, the ledger active); ' +
                `floor: bare undici POST /servers then POST .../members per server, ${row.inFlight} workers (the plugin's runs at once x creates in flight per run).`,
                '',
                ...membersTable(row),
                '  tput p/f = plugin joined/s / floor joined/s (target >= 0.9); Nova req/server: the create, and a listing of the project per group after its creates; ' +
                'Octavia req/server: the create, the first look (a listing of the pool for a round of 10 or more, a look each below), the pool\'s owner once a pass.'
            ];
        }));
    }

    if (cs.parts.includes('cluster')) {
        lines.push(...await section('cluster', async () => {
            const limits = { createsPerS: cs.clusterRate, burst: cs.burst, maxInFlight: cs.maxInFlight, maxWaitMs: 2000 };
            const row = await clusterRun(settings.postgresAdminUrl, cs.clusterInstances, cs.concurrency, cs.clusterSeconds, limits);
            return [
                `cluster-wide creation budget: ${row.instances} instances' compute guards (each its own pool to one PostgreSQL database), ${row.callersEach} callers each ` +
                `sending creates back to back for ${row.seconds}s to the simulator (zero build time), one region; floor: the budget (issue: the cluster's rate 0.9-1.05x of it).`,
                '',
                ...clusterTable(row),
                '  c/s after 1st s = creates reaching the simulator after the first second (the burst) per second; busiest second = the most in a clock second of arrival;',
                '  busiest any 1 s = the most in any 1-s window of arrival, sliding (the bucket admits at most rate + burst in any second of its own time, exactly;',
                '  the requests then reach the simulator a few ms apart from when they were admitted, so a sliding window of arrivals can hold a few more).'
            ];
        }));
    }

    if (cs.parts.includes('cluster-plugin')) {
        lines.push(...await section('cluster-plugin', async () => {
            const limits = { createsPerS: cs.clusterRate, burst: cs.burst, maxInFlight: cs.clusterInFlight, maxWaitMs: 2000 };
            const row = await clusterPluginRun(settings.postgresAdminUrl, {
                instances: cs.clusterInstances, groups: cs.clusterGroups, groupsPerTenant: cs.groupsPerTenant, serversPerGroup: cs.clusterServers,
                limits, parallelGroups: cs.clusterParallelGroups, stormGuard: cs.clusterStorm
            });
            return [
                `cluster-wide creation budget, the whole plugin: ${row.options.instances} instances, each its own process with the plugin mounted over one PostgreSQL database ` +
                `(Nova as the service account, so its own guards with the cluster's budget; ${row.options.parallelGroups} converger runs at once, ${row.options.serversPerGroup} creates in flight a run); ` +
                `${row.options.groups} groups (${cs.groupsPerTenant} to a tenant project) each told 0 -> ${row.options.serversPerGroup} by a desiredCapacity policy executed through the API, ` +
                `the triggers spread over the instances; the simulator in a process of its own (zero build time), one region; floor: the budget ` +
                '(issue 11: 3 instances, 10,000 creates over 1,000 groups, 100/s: the cluster\'s rate 0.9-1.05x of it).',
                '',
                ...clusterPluginTable(row),
                '  created = creates the simulator answered 202; in Nova = servers naming a group at the end (2 s after convergence); c/s after 1st s and the busiest seconds as above;',
                '  all created s / converged s = from the first trigger to the last create\'s arrival / to every ledger row active; budget\'s least s = (creates - burst) / rate;',
                '  listings = GET /servers/detail; held = creates a guard refused after waiting its turn (the group looked at again).'
            ];
        }));
    }

    if (cs.parts.includes('takeover')) {
        lines.push(...await section('takeover', async () => {
            const row = await takeoverRun(settings.postgresAdminUrl, {
                instances: cs.clusterInstances, runs: cs.takeoverRuns, leaseTtlS: cs.takeoverTtlS, createMs: cs.takeoverCreateMs, servers: cs.takeoverServers
            });
            return [
                `lease takeover after kill -9: ${row.options.instances} instances (each its own process, one PostgreSQL database, cluster.leaseTtlS ${row.options.leaseTtlS}); ` +
                `each run a fresh instance A converges a group 0 -> ${row.options.servers}, one create at a time, each answered ${row.options.createMs} ms later (a simulator fault), ` +
                'so A holds the lease mid-run; A is killed -9 at a random point of its renewals; the others stay up. ' +
                'Target: the lease TTL + the takeover scan\'s period (TTL/6), the most the design allows; the contract says TTL + 5 s.',
                '',
                ...takeoverTable(row),
                '  lapse after kill = from the kill to the lease\'s expiry as A last renewed it; taken over = to the lease row naming another instance (polled every 10 ms);',
                '  first call = to the group\'s project next listed in the simulator (the new holder\'s first call to Nova).'
            ];
        }));
    }

    return lines;
};
