// The cluster's instances (contract §9): a row per running plugin instance,
// renewed by its heartbeat and deleted on a clean stop. One not seen for the
// lease TTL is gone; its row may linger until an instance prunes it.
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    await knex.schema.createTable('instances', (t) => {
        t.text('id').primary();                          // a random UUID the process draws at start
        t.text('host').notNullable();                    // os.hostname()
        t.integer('pid').notNullable();
        t.timestamp('started_at', { useTz: true }).notNullable();
        t.timestamp('last_seen_at', { useTz: true }).notNullable();
    });
};

export const down = async (knex: Knex): Promise<void> => {
    await knex.schema.dropTableIfExists('instances');
};
