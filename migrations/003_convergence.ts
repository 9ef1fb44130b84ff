// The converger's state: one lease per group (a single converger per group
// across every plugin instance, design idea 6), why a ledger intent ended,
// and the orphans seen, so an orphan's grace period survives a restart.
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    // A row per group ever converged; the holder owns it until expires_at.
    await knex.schema.createTable('group_leases', (t) => {
        t.text('group_id').primary().references('id').inTable('groups').onDelete('CASCADE');
        t.text('holder').notNullable();
        t.timestamp('expires_at', { useTz: true }).notNullable();
    });

    await knex.schema.alterTable('servers', (t) => {
        t.text('deleted_reason').nullable();          // scale_down, error, vanished, create_lost, ...
    });

    // Servers carrying the group's metadata that the ledger does not know.
    await knex.schema.createTable('orphans', (t) => {
        t.text('group_id').notNullable().references('id').inTable('groups').onDelete('CASCADE');
        t.text('server_id').notNullable();
        t.timestamp('first_seen_at', { useTz: true }).notNullable();
        t.primary(['group_id', 'server_id']);
    });
};

export const down = async (knex: Knex): Promise<void> => {
    await knex.schema.dropTableIfExists('orphans');
    await knex.schema.alterTable('servers', (t) => {
        t.dropColumn('deleted_reason');
    });
    await knex.schema.dropTableIfExists('group_leases');
};
