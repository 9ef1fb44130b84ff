// Opens the database the plugin was given: PostgreSQL by connection string or
// knex config, a knex instance the host already owns, or embedded PGlite.
import ClientPgLite from 'knex-pglite';
import knexFactory, { type Knex } from 'knex';
import { mkdirSync } from 'node:fs';
import { migrations } from '../../migrations';

export type DatabaseOption =
    | string                                        // postgres://...
    | { readonly knex: Knex }                       // the host's own instance; never closed by us
    | { readonly embedded: { readonly dataDir?: string | undefined } } // PGlite; no dataDir = in memory
    | { readonly config: Knex.Config };             // any knex config for pg

export interface Database {
    readonly knex: Knex;
    readonly kind: 'postgres' | 'pglite';
    close(): Promise<void>;
}

export const openDatabase = (option: DatabaseOption): Database => {
    if (typeof option === 'string') {
        return owned(knexFactory({ client: 'pg', connection: option, pool: { min: 0, max: 10 } }), 'postgres');
    }

    if ('knex' in option) {
        return { knex: option.knex, kind: kindOf(option.knex), close: async () => { } };
    }

    if ('embedded' in option) {
        const dataDir = option.embedded.dataDir;
        if (dataDir) {
            mkdirSync(dataDir, { recursive: true });
        }

        // knex-pglite holds exactly one connection; queries queue behind it.
        return owned(knexFactory({ client: ClientPgLite, dialect: 'postgres', connection: dataDir ? { filename: dataDir } : {} }), 'pglite');
    }

    return owned(knexFactory(option.config), 'postgres');
};

const owned = (knex: Knex, kind: Database['kind']): Database => ({ knex, kind, close: () => knex.destroy() });

const kindOf = (knex: Knex): Database['kind'] => {
    const client: unknown = knex.client.config.client;
    return client === ClientPgLite ? 'pglite' : 'postgres';
};

// knex's migrator, fed from migrations/index.ts (the only place the schema lives).
const source: Knex.MigrationSource<string> = {
    getMigrations: () => Promise.resolve(migrations.map((m) => m.name)),
    getMigrationName: (name) => name,
    getMigration: (name) => {
        const migration = migrations.find((m) => m.name === name);
        if (!migration) {
            return Promise.reject(new Error(`Unknown migration ${name}`));
        }

        return Promise.resolve({ up: migration.up, down: migration.down });
    }
};

const MIGRATIONS_TABLE = 'autoscale_migrations';
const migrationConfig: Knex.MigratorConfig = { migrationSource: source, tableName: MIGRATIONS_TABLE };

// Instances that start together migrate one after another (contract §9).
// knex's lock table alone does not do it: knex makes that table, and its
// row, before taking the lock, so on a fresh database the others' CREATE
// TABLE failed, and their start with it (one or two of three, tried). The whole
// run, from knex's first look at its tables, goes in one transaction under a
// PostgreSQL advisory lock, on one connection (a host's pool of one is enough).
export const migrateLatest = async (knex: Knex): Promise<void> => {
    await knex.transaction(async (trx) => {
        await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [MIGRATIONS_TABLE]);
        await trx.migrate.latest(migrationConfig);
    });
};

export const migrateDownAll = async (knex: Knex): Promise<void> => {
    await knex.migrate.rollback(migrationConfig, true);
};
