'use strict';

// The crash-safety run of test/crash-safety.ts (issue 5 item 6), longer and by
// hand: the demo host kill -9ed KILLS times while it converges, on real
// PostgreSQL (a schema of its own in DATABASE_URL, dropped after).
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/db node scripts/crash-soak.js [kills=100] [--faults] [--seed=N]
// Prints one JSON summary; exits 1 (with the request log, ledger and activity) when not crash safe.

require('../test/support/ts-register.js');
const { crashViolations, runCrash } = require('../test/support/crash-run.ts');

const main = async () => {
    const args = process.argv.slice(2);
    const kills = Number(args.find((a) => /^\d+$/.test(a)) ?? 100);
    const seed = Number((args.find((a) => a.startsWith('--seed=')) ?? `--seed=${Date.now() % 1e9}`).slice('--seed='.length));
    const faults = args.includes('--faults');
    if (!process.env.DATABASE_URL) {
        console.error('DATABASE_URL (PostgreSQL) is required');
        process.exit(2);
    }

    const report = await runCrash({ databaseUrl: process.env.DATABASE_URL, kills, seed, faults, settleTimeoutMs: 120_000, log: (line) => console.error(line) });
    const violations = crashViolations(report);
    const { diagnostics, peakSnapshot, servers, ledger, state, ...summary } = report;
    console.log(JSON.stringify({ ...summary, servers: servers.length, ledger: ledger.length, activeCapacity: state.activeCapacity, violations }));
    if (violations.length > 0) {
        console.log(diagnostics);
        console.log(`peak: ${JSON.stringify(peakSnapshot)}`);
        process.exit(1);
    }
};

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
