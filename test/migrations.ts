// The schema goes up, all the way down, and up again, on the database of this
// run (in a schema of its own on PostgreSQL; a fresh in-memory PGlite otherwise).
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { migrateDownAll, migrateLatest, openDatabase, type Database } from '../adapters/store/database';
import * as workflows from '../migrations/008_workflows';
import * as workflowDeliveries from '../migrations/010_workflow_deliveries';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const tables = ['tenants', 'groups', 'policies', 'webhooks', 'secrets', 'activity', 'servers', 'overrides', 'kill_switches', 'alert_episodes', 'alert_events', 'group_leases', 'orphans', 'server_workflows', 'instances', 'region_holds', 'region_budgets'];

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

    it('take workflows down with servers in them: a joining or leaving server is in service again, nothing left to break the old check', async () => {
        const { db, drop } = await scratch();
        try {
            const now = new Date();
            await migrateLatest(db.knex);
            await db.knex('tenants').insert({ id: 't1' });
            await db.knex('groups').insert({
                id: 'g1', tenant_id: 't1', name: 'web', cooldown: 0, min_entities: 0, metadata: '{}', launch: '{}', desired: 2, created_at: now, updated_at: now
            });
            await db.knex('servers').insert(['joining', 'leaving'].map((state, i) => ({ intent_id: `i${i}`, group_id: 'g1', server_id: `s${i}`, state, created_at: now, updated_at: now })));
            await db.knex('server_workflows').insert({
                intent_id: 'i0', event: 'launch', group_id: 'g1', workflow: '{"type":"builtin"}', stages: '["members"]', then_stages: '[]', started_at: now, stage_started_at: now
            });

            // The outbox hangs off server_workflows: it goes first, as the history runs down.
            await workflowDeliveries.down(db.knex);
            await workflows.down(db.knex);
            expect((await db.knex('servers').orderBy('intent_id').select('state')).map((r: { state: string }) => r.state)).to.equal(['active', 'active']);
            expect(await db.knex.schema.hasTable('server_workflows')).to.be.false();
            await expect(db.knex('servers').insert({ intent_id: 'i9', group_id: 'g1', state: 'joining', created_at: now, updated_at: now })).to.reject();

            await workflows.up(db.knex);
            await workflowDeliveries.up(db.knex);
            expect(await db.knex.schema.hasColumn('groups', 'workflow')).to.be.true();
            expect(await db.knex.schema.hasTable('workflow_deliveries')).to.be.true();
            await migrateDownAll(db.knex);
        }
        finally {
            await drop();
        }
    });
});
