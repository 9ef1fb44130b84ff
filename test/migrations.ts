// The schema goes up, all the way down, and up again, on the database of this
// run (in a schema of its own on PostgreSQL; a fresh in-memory PGlite otherwise).
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { migrateDownAll, migrateLatest, openDatabase, type Database } from '../adapters/store/database';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const tables = ['tenants', 'groups', 'policies', 'webhooks', 'secrets', 'activity', 'servers', 'overrides', 'kill_switches', 'alert_episodes', 'alert_events', 'group_leases', 'orphans'];

const scratch = async (): Promise<{ db: Database; drop: () => Promise<void> }> => {
    const url = process.env.DATABASE_URL;
    if (!url) {
        const db = openDatabase({ embedded: {} });
        return { db, drop: () => db.close() };
    }

    const schema = `migrations_${process.pid}`;
    const admin = openDatabase(url);
    await admin.knex.raw(`CREATE SCHEMA ${schema}`);
    const db = openDatabase({ config: { client: 'pg', connection: url, searchPath: [schema] } });
    return {
        db,
        drop: async () => {
            await db.close();
            await admin.knex.raw(`DROP SCHEMA ${schema} CASCADE`);
            await admin.close();
        }
    };
};

describe('migrations', () => {
    it('go up, down and up again', async () => {
        const { db, drop } = await scratch();
        try {
            const present = async () => {
                const found: string[] = [];
                for (const table of tables) {
                    if (await db.knex.schema.hasTable(table)) {
                        found.push(table);
                    }
                }

                return found;
            };

            await migrateLatest(db.knex);
            expect(await present()).to.equal(tables);
            await migrateLatest(db.knex); // again: nothing to do, nothing breaks
            await migrateDownAll(db.knex);
            expect(await present()).to.equal([]);
            await migrateLatest(db.knex);
            expect(await present()).to.equal(tables);
        }
        finally {
            await drop();
        }
    });
});
