// The converger bench (issue 5 item 8): convergence throughput against a bare
// create loop under the same budget, and outage amplification against a naive
// retry loop, each on a fresh PostgreSQL database dropped after.
import type { BenchSettings } from './settings';
import { convergeSettings } from './converge-settings';
import { createsRun, type CreatesRow } from './converge-creates';
import { outageRun } from './converge-outage';
import { createsTable, outageTable } from './converge-report';
import { sweepRun } from './converge-sweep';
import { sweepTable } from './converge-sweep-report';

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
                rows.push(await createsRun(cs, settings.postgresAdminUrl, rate));
            }

            return [
                `converger: ${rows[0]?.creates ?? cs.creates} creates across ${cs.groups} groups (${cs.groupsPerTenant} to a tenant project; issue: 10,000 across 1,000), ` +
                `simulator with zero build time, PostgreSQL. Plugin: desired set on every group, then convergeOnce() until none is left ` +
                `(${cs.concurrency} creates in flight per run, GuardedCompute with the budget); floor: bare undici POST /servers loop, ${cs.concurrency} workers, same token bucket.`,
                '',
                ...createsTable(rows),
                '  wall f/p = floor wall time / plugin wall time; budget used = creates/s achieved / the budget\'s creates/s (a full bucket of burst at the start lets a short run pass 100%);',
                '  sweeps = convergeOnce() rounds; listings = GET /servers/detail; held = creates the budget refused (the intent retired, the group planned again next round).'
            ];
        }));
    }

    if (cs.parts.includes('outage')) {
        lines.push(...await section('outage', async () => {
            const row = await outageRun(cs, settings.postgresAdminUrl);
            return [
                `converger under a full compute outage (503, no Retry-After) of ${cs.outageSeconds}s (issue: 60 s), ${row.groups} groups (issue: 1,000) each executing a +1 policy at its start; ` +
                'plugin with its defaults (breaker 50%/5 calls/30s reset, recheck 2s doubling, sweep 300s; the seeding\'s successes let out of the 10s window first) vs a naive loop, each group retrying its create, no breaker.',
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
                'converged already (groups and ledger rows inserted in bulk, the servers ACTIVE in the simulator with our metadata), PostgreSQL. ' +
                'Plugin: one sweepOnce(); floor: the same GET /servers/detail calls alone, through the same GuardedCompute (pool, tokens), one at a time as the sweep runs its groups.',
                '',
                ...sweepTable([row]),
                '  req/server beyond listings = compute requests other than GET /servers/detail / servers swept; RSS = this process after the sweep, the in-memory simulator and its servers included.'
            ];
        }));
    }

    return lines;
};
