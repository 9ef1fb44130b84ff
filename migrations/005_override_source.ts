// Who set an override: one an admin set can only be changed or cleared by an
// admin (contract §4, `admin_override`). Existing overrides count as a tenant's.
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    await knex.schema.alterTable('overrides', (t) => {
        t.boolean('by_admin').notNullable().defaultTo(false);
    });
};

export const down = async (knex: Knex): Promise<void> => {
    await knex.schema.alterTable('overrides', (t) => {
        t.dropColumn('by_admin');
    });
};
