// Circle-back warm-up (contract §6): an episode whose next attempt waits for
// servers on their way into service says so, so that the cooldown is counted
// from when they got there.
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    await knex.schema.alterTable('alert_episodes', (t) => {
        t.boolean('warming').notNullable().defaultTo(false);
    });
};

export const down = async (knex: Knex): Promise<void> => {
    await knex.schema.alterTable('alert_episodes', (t) => {
        t.dropColumn('warming');
    });
};
