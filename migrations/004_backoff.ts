// Per-group backoff and storm pacing (design idea 5): how many builds of the
// group failed in a row, and the time before which the converger sends no
// create for it (a backoff after failed builds, or the storm guard's pacing).
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    await knex.schema.alterTable('groups', (t) => {
        t.integer('build_failures').notNullable().defaultTo(0);
        t.timestamp('next_converge_at', { useTz: true }).nullable();
    });
};

export const down = async (knex: Knex): Promise<void> => {
    await knex.schema.alterTable('groups', (t) => {
        t.dropColumn('next_converge_at');
        t.dropColumn('build_failures');
    });
};
