// The database every test in this process shares: PostgreSQL when the runner
// gives DATABASE_URL (a fresh database per run), embedded PGlite otherwise.
// Tests keep apart by using tenants of their own.
import type { Knex } from 'knex';
import { Client } from 'pg';
import { migrateLatest, openDatabase, type Database } from '../../adapters/store/database';

let shared: Promise<Database> | null = null;

export const testDatabaseKind = (): 'postgres' | 'pglite' => (process.env.DATABASE_URL ? 'postgres' : 'pglite');

export const testDatabase = (): Promise<Database> => {
    shared ??= (async () => {
        const url = process.env.DATABASE_URL;
        const db = openDatabase(url ? url : { embedded: {} });
        await migrateLatest(db.knex);
        return db;
    })();
    return shared;
};

export const testKnex = async (): Promise<Knex> => (await testDatabase()).knex;

// A database of the test's own, for loops that look at every row (the
// schedule loop reads every schedule policy, whatever its tenant): a fresh
// PostgreSQL database beside the run's, or a fresh embedded one. `url`: the
// PostgreSQL one's, for plugins or processes the test opens on it (null: embedded).
export const scratchDatabase = async (): Promise<{ readonly db: Database; readonly url: string | null; drop(): Promise<void> }> => {
    const url = process.env.DATABASE_URL;
    if (!url) {
        const db = openDatabase({ embedded: {} });
        await migrateLatest(db.knex);
        return { db, url: null, drop: () => db.close() };
    }

    const name = `autoscale_scratch_${process.pid}_${Date.now()}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const at = new URL(url);
    at.pathname = `/${name}`;
    const db = openDatabase(at.toString());
    await migrateLatest(db.knex);
    return {
        db,
        url: at.toString(),
        drop: async () => {
            await db.close();
            await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            await admin.end();
        }
    };
};

// Rows a tenant owns, table by table: what a refused request must leave unchanged.
export const tenantFootprint = async (tenantId: string): Promise<Record<string, number>> => {
    const knex = await testKnex();
    const groups = knex('groups').where({ tenant_id: tenantId }).select('id');
    const counts = await Promise.all([
        knex('groups').where({ tenant_id: tenantId }).count({ n: '*' }),
        knex('policies').whereIn('group_id', groups).count({ n: '*' }),
        knex('webhooks').whereIn('group_id', groups).count({ n: '*' }),
        knex('activity').whereIn('group_id', groups).count({ n: '*' }),
        knex('servers').whereIn('group_id', groups).count({ n: '*' }),
        knex('tenants').where({ id: tenantId }).count({ n: '*' })
    ]);
    const [g, p, w, a, v, t] = counts.map((rows) => Number(rows[0]?.n ?? 0));
    return { groups: g ?? 0, policies: p ?? 0, webhooks: w ?? 0, activity: a ?? 0, servers: v ?? 0, tenants: t ?? 0 };
};

// Fingerprint of a tenant's rows including content, to prove a refused update
// changed nothing. `requests`: only what a request writes, leaving out what a
// converger running meanwhile writes on its own (its activity rows, and the
// instance watching a waiting group).
export const tenantSnapshot = async (tenantId: string, options: { readonly requests?: boolean } = {}): Promise<string> => {
    const knex = await testKnex();
    const groups = await knex('groups').where({ tenant_id: tenantId }).orderBy('id');
    const ids = groups.map((g: { id: string }) => g.id);
    const activity = knex('activity').whereIn('group_id', ids).orderBy('id');
    const [policies, webhooks, servers, activities] = await Promise.all([
        knex('policies').whereIn('group_id', ids).orderBy('id'),
        knex('webhooks').whereIn('group_id', ids).orderBy('id'),
        knex('servers').whereIn('group_id', ids).orderBy('intent_id'),
        options.requests ? activity.whereNot({ source: 'converger' }) : activity
    ]);
    const written = options.requests ? groups.map(({ watcher: _watcher, ...rest }: Record<string, unknown>) => rest) : groups;
    return JSON.stringify({ groups: written, policies, webhooks, servers, activity: activities });
};
