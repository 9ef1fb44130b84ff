// Migrations run once when instances start together (contract §9): three
// processes, each with the plugin over one fresh PostgreSQL database, told to
// start at the same moment. Every one starts, each migration is recorded
// once, and each process is an instance of the cluster until it stops.
// PostgreSQL only (PGlite is one process's); without it the test is reported
// skipped.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrations } from '../migrations';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const root = join(__dirname, '..');
const url = process.env.DATABASE_URL;
const skip = !url;

interface Child {
    readonly pid: number;
    output(): string;
    // Resolves once the child has printed `word` (or rejects if it fails or exits first).
    said(word: string): Promise<void>;
    send(): void;
    readonly exited: Promise<number | null>;
    kill(): void;
}

const startChild = (databaseUrl: string): Child => {
    const proc = spawn(process.execPath, ['-r', join(root, 'test/support/ts-register.js'), join(root, 'test/support/plugin-child.ts')], {
        cwd: root, env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl }, stdio: ['pipe', 'pipe', 'pipe']
    });
    let out = '';
    const waiters: (() => void)[] = [];
    const take = (chunk: Buffer): void => {
        out += chunk.toString();
        waiters.splice(0).forEach((wake) => wake());
    };

    proc.stdout.on('data', take);
    proc.stderr.on('data', take);
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => {
        waiters.splice(0).forEach((wake) => wake());
        resolve(code);
    }));
    const said = async (word: string): Promise<void> => {
        for (; ;) {
            if (out.split('\n').includes(word)) {
                return;
            }

            if (/^failed: /m.test(out) || proc.exitCode !== null) {
                throw new Error(`child ${proc.pid} did not say ${word}:\n${out}`);
            }

            await new Promise<void>((resolve) => waiters.push(resolve));
        }
    };

    return {
        pid: proc.pid ?? -1,
        output: () => out,
        said,
        send: () => proc.stdin.write('go\n'),
        exited,
        kill: () => proc.kill('SIGKILL')
    };
};

describe(skip ? 'migrations, instances starting together (skipped: needs PostgreSQL, DATABASE_URL unset)' : 'migrations, instances starting together', { skip }, () => {
    const name = `autoscale_at_once_${process.pid}_${Date.now()}`;
    const admin = new Client({ connectionString: url });
    let fresh = '';

    before(async () => {
        const at = new URL(String(url));
        at.pathname = `/${name}`;
        fresh = at.toString();
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name}`);
    });

    after(async () => {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
    });

    it('start three at once on a fresh database: all start, each migration is recorded once, each instance registers and leaves', { timeout: 120_000 }, async () => {
        const children = [0, 1, 2].map(() => startChild(fresh));
        try {
            // Each has loaded the code and registered the plugin; then all start at once.
            await Promise.all(children.map((c) => c.said('ready')));
            children.forEach((c) => c.send());
            await Promise.all(children.map((c) => c.said('started')));

            const db = new Client({ connectionString: fresh });
            await db.connect();
            try {
                const recorded = await db.query<{ name: string; n: string }>('SELECT name, count(*) AS n FROM autoscale_migrations GROUP BY name ORDER BY name');
                expect(recorded.rows.map((r) => [r.name, Number(r.n)])).to.equal(migrations.map((m) => [m.name, 1]));
                const lock = await db.query<{ is_locked: number }>('SELECT is_locked FROM autoscale_migrations_lock');
                expect(lock.rows).to.equal([{ is_locked: 0 }]);       // one lock row, free

                // Registered, each under its own id, with its own pid.
                const ids = children.map((c) => /^instance (\S+)$/m.exec(c.output())?.[1]);
                const registered = await db.query<{ id: string; pid: number }>('SELECT id, pid FROM instances');
                expect(registered.rows.map((r) => `${r.id} ${r.pid}`).sort()).to.equal(children.map((c, i) => `${ids[i] ?? '?'} ${c.pid}`).sort());

                children.forEach((c) => c.send());
                for (const c of children) {
                    expect(await c.exited, c.output()).to.equal(0);
                    expect(c.output()).to.contain('stopped');
                }

                expect((await db.query('SELECT id FROM instances')).rows).to.equal([]);   // each left as it stopped
            }
            finally {
                await db.end();
            }
        }
        finally {
            children.forEach((c) => c.kill());
        }
    });
});
