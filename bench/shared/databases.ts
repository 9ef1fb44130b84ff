// The databases a run uses: embedded PGlite (each host its own, in memory) and
// a fresh PostgreSQL database created for the run, migrated once, dropped after.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrateLatest, openDatabase } from '../../adapters/store/database';
import type { HostDatabase } from './protocol';
import type { BackendKind } from './settings';

export interface BenchDatabase {
    readonly host: HostDatabase;
    readonly label: string;
    drop(): Promise<void>;
}

export const pgliteDatabase = (): BenchDatabase => ({ host: { kind: 'pglite' }, label: 'PGlite (embedded, in memory)', drop: () => Promise.resolve() });

const withAdmin = async <T>(adminUrl: string, fn: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
    await client.connect();
    try {
        return await fn(client);
    }
    finally {
        await client.end();
    }
};

// A fresh database on the server adminUrl points at; the error says why when it cannot be had.
export const postgresDatabase = async (adminUrl: string): Promise<BenchDatabase> => {
    const name = `nova_autoscale_bench_${randomBytes(4).toString('hex')}`;
    const version = await withAdmin(adminUrl, async (client) => {
        await client.query(`CREATE DATABASE ${name}`);
        const answer = await client.query<{ server_version: string }>('SHOW server_version');
        return answer.rows[0]?.server_version ?? '?';
    });
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;

    const db = openDatabase(url.toString());
    try {
        await migrateLatest(db.knex);
    }
    finally {
        await db.close();
    }

    return {
        host: { kind: 'postgres', url: url.toString() },
        label: `PostgreSQL ${version} (${url.host}, database ${name})`,
        drop: () => withAdmin(adminUrl, async (client) => {
            await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        })
    };
};

// The backend a section runs on: PGlite, or a fresh PostgreSQL database; null
// (said on the console, naming the section) when PostgreSQL cannot be had.
export const databaseFor = async (kind: BackendKind, adminUrl: string, section: string): Promise<BenchDatabase | null> => {
    if (kind === 'pglite') {
        return pgliteDatabase();
    }

    try {
        return await postgresDatabase(adminUrl);
    }
    catch (err) {
        const where = new URL(adminUrl);
        console.log(`!! ${section}: PostgreSQL at ${where.host} (user ${where.username || '?'}) is unreachable or refused a new database ` +
            `(${err instanceof Error ? err.message : String(err)}); skipped (set BENCH_PG_URL to point elsewhere)`);
        return null;
    }
};
