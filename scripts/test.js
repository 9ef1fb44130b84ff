'use strict';

// `npm test`: typecheck, lint (with the rule that keeps core/ free of adapters),
// then the lab suite twice: on embedded PGlite, and on the real PostgreSQL
// (a fresh database for this run, dropped after). Each summary line says
// `N passed, N failed, N skipped`; a skipped test never counts as passed.

const { spawnSync } = require('node:child_process');
const Fs = require('node:fs');
const Os = require('node:os');
const Path = require('node:path');
const { Client } = require('pg');

const bin = (name) => Path.join(__dirname, '..', 'node_modules', '.bin', name);
const adminUrl = process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

const step = (title, command, args, env = {}) => {
    console.log(`\n== ${title}`);
    const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    return result.status === 0;
};

const summary = (tally) => `${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`;

const readJson = (file) => (Fs.existsSync(file) ? JSON.parse(Fs.readFileSync(file, 'utf8')) : null);

const lab = (title, env) => {
    const out = (kind) => Path.join(Os.tmpdir(), `nova-autoscale-lab-${process.pid}-${title.replace(/\W+/g, '-')}.${kind}.json`);
    const [jsonOut, tallyOut] = [out('report'), out('tally')];
    Fs.rmSync(jsonOut, { force: true });
    Fs.rmSync(tallyOut, { force: true });
    const args = ['-r', 'console', '-o', 'stdout', '-r', 'json', '-o', jsonOut, '-r', './scripts/lab-tally.js', '-o', tallyOut, ...process.argv.slice(2)];
    const ok = step(`lab (${title})`, bin('lab'), args, env);
    const counted = readJson(tallyOut);
    Fs.rmSync(jsonOut, { force: true });
    Fs.rmSync(tallyOut, { force: true });
    const tally = counted ? { passed: counted.passed, failed: counted.failed, skipped: counted.skipped } : { passed: 0, failed: 1, skipped: 0 };
    if (!ok && tally.failed === 0) {
        tally.failed = 1; // lab failed outside a test: a leak, coverage, or a file that did not load
    }

    for (const skipped of counted?.skippedTitles ?? []) {
        console.log(`skipped: ${skipped}`);
    }

    console.log(`lab (${title}): ${summary(tally)}`);
    return tally;
};

const withPostgres = async (run) => {
    const admin = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
    try {
        await admin.connect();
    }
    catch (err) {
        console.log(`\n== PostgreSQL at ${adminUrl} is not reachable (${err.message}).`);
        console.log('== THE POSTGRES PASS DID NOT RUN: this run checked embedded PGlite only.');
        return null;
    }

    const name = `autoscale_test_${process.pid}_${Date.now()}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    try {
        return run(url.toString());
    }
    finally {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
    }
};

const main = async () => {
    const total = { passed: 0, failed: 0, skipped: 0 };
    const add = (tally) => {
        if (tally) {
            total.passed += tally.passed;
            total.failed += tally.failed;
            total.skipped += tally.skipped;
        }
    };

    const typecheck = step('typecheck', bin('tsc'), ['--noEmit', '-p', '.']);
    add({ passed: typecheck ? 1 : 0, failed: typecheck ? 0 : 1, skipped: 0 });
    const lint = step('lint', bin('eslint'), ['.']);
    add({ passed: lint ? 1 : 0, failed: lint ? 0 : 1, skipped: 0 });

    add(lab('pglite', { DATABASE_URL: '' }));
    add(await withPostgres((url) => lab('postgres', { DATABASE_URL: url })));

    console.log(`\n${summary(total)}`);
    process.exit(total.failed === 0 ? 0 : 1);
};

main().catch((err) => {
    console.error(err);
    console.log('\n0 passed, 1 failed, 0 skipped');
    process.exit(1);
});
