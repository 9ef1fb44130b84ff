'use strict';

// `npm test`: typecheck, lint (with the rule that keeps core/ free of adapters),
// then the lab suite twice: on embedded PGlite, and on the real PostgreSQL
// (a fresh database for this run, dropped after). After the PGlite run, every
// file under core/ must have all of its lines covered. Each summary line says
// `N passed, N failed, N skipped`; a skipped test never counts as passed.

const { Buffer } = require('node:buffer');
const { spawn } = require('node:child_process');
const Fs = require('node:fs');
const Os = require('node:os');
const Path = require('node:path');
const { Client } = require('pg');
const Ts = require('typescript');

const bin = (name) => Path.join(__dirname, '..', 'node_modules', '.bin', name);
const adminUrl = process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

// Asynchronous, so that the steps run aside keep being read meanwhile.
const step = (title, command, args, env = {}) => {
    console.log(`\n== ${title}`);
    return new Promise((resolve) => {
        spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...env } }).on('close', (code) => resolve(code === 0));
    });
};

// A step run beside another (its output held, told when it ends): the
// typecheck and the lint take a core of their own while the PGlite pass runs.
const aside = (title, command, args) => new Promise((resolve) => {
    const child = spawn(command, args, { env: process.env });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('close', (code) => resolve({ title, ok: code === 0, output: Buffer.concat(output).toString() }));
});

const tell = ({ title, ok, output }) => {
    console.log(`\n== ${title}`);
    process.stdout.write(output);
    return ok;
};

const summary = (tally) => `${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`;

const readJson = (file) => (Fs.existsSync(file) ? JSON.parse(Fs.readFileSync(file, 'utf8')) : null);

const coreFiles = (dir) => Fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    return entry.isDirectory() ? coreFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
});

// A file of types alone compiles to nothing and never shows in lab's report;
// one with code that no test loaded must not pass for covered.
const hasRuntimeCode = (file) => {
    const js = Ts.transpileModule(Fs.readFileSync(file, 'utf8'), { compilerOptions: { module: Ts.ModuleKind.CommonJS, target: Ts.ScriptTarget.ES2022 } }).outputText;
    const out = Ts.createSourceFile('out.js', js, Ts.ScriptTarget.ES2022);
    return out.statements.some((statement) => !/^("use strict"|Object\.defineProperty\(exports, "__esModule")/.test(statement.getText(out)));
};

// Every file under core/ has each of its lines covered (lab counts a line with
// an untaken branch as missed). `report` is lab's json reporter output.
const coreCoverage = (report) => {
    console.log('\n== core/ coverage: every line of every file');
    const files = report?.coverage?.files;
    if (!files) {
        console.log('core/ coverage: lab wrote no coverage report');
        return false;
    }

    const core = files.filter((file) => file.filename.startsWith('core/'));
    const reported = new Set(core.map((file) => file.filename));
    const unloaded = coreFiles('core').filter((file) => !reported.has(file) && hasRuntimeCode(file));
    const short = unloaded.map((file) => `${file}: never loaded by a test`).concat(core.flatMap((file) => {
        const missing = [...new Set(Object.values(file.source).filter((line) => line.miss).map((line) => line.originalLine ?? line.lineNumber))]
            .sort((a, b) => a - b);
        return missing.length === 0 && file.misses === 0 ? [] : [`${file.filename} (${file.percent.toFixed(2)} %): line(s) ${missing.join(', ')}`];
    }));
    for (const line of short) {
        console.log(`  ${line}`);
    }

    console.log(short.length === 0 ? `core/ coverage: ${core.length} files, 100 % of lines each` : `core/ coverage: ${short.length} file(s) below 100 %`);
    return short.length === 0 && core.length > 0;
};

const lab = async (title, env, { checkCore = false } = {}) => {
    const out = (kind) => Path.join(Os.tmpdir(), `nova-autoscale-lab-${process.pid}-${title.replace(/\W+/g, '-')}.${kind}.json`);
    const [jsonOut, tallyOut] = [out('report'), out('tally')];
    Fs.rmSync(jsonOut, { force: true });
    Fs.rmSync(tallyOut, { force: true });
    const args = ['-r', 'console', '-o', 'stdout', '-r', 'json', '-o', jsonOut, '-r', './scripts/lab-tally.js', '-o', tallyOut, ...process.argv.slice(2)];
    const ok = await step(`lab (${title})`, bin('lab'), args, env);
    const counted = readJson(tallyOut);
    const report = readJson(jsonOut);
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
    if (checkCore) {
        // A run of chosen files (npm test -- FILE...) covers only what they reach.
        const partial = process.argv.length > 2;
        if (partial) {
            console.log('\n== core/ coverage: not checked on a partial run (arguments given to lab)');
        }
        else if (!coreCoverage(report)) {
            tally.failed++;
        }
    }

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
        return await run(url.toString());
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

    // The operator page's script is plain JavaScript, checked as strictly through its JSDoc types.
    const checks = Promise.all([
        aside('typecheck', bin('tsc'), ['--noEmit', '-p', '.']),
        aside('typecheck (plugin/ui/app.js)', bin('tsc'), ['-p', 'tsconfig.ui.json']),
        aside('lint', bin('eslint'), ['.'])
    ]);

    const pglite = await lab('pglite', { DATABASE_URL: '' }, { checkCore: true });
    const [typecheck, typecheckUi, lint] = await checks;
    const typed = [tell(typecheck), tell(typecheckUi)].every(Boolean);
    add({ passed: typed ? 1 : 0, failed: typed ? 0 : 1, skipped: 0 });
    const linted = tell(lint);
    add({ passed: linted ? 1 : 0, failed: linted ? 0 : 1, skipped: 0 });
    add(pglite);
    add(await withPostgres((url) => lab('postgres', { DATABASE_URL: url })));

    console.log(`\n${summary(total)}`);
    process.exit(total.failed === 0 ? 0 : 1);
};

main().catch((err) => {
    console.error(err);
    console.log('\n0 passed, 1 failed, 0 skipped');
    process.exit(1);
});
