// A group lease's generation (contract §9, fencing): drawn afresh from one
// sequence whenever the lease changes hands, kept while its holder renews it.
// A run records a step (its intents, its deletes) only while the lease is still
// of the generation it planned under, compared in that same statement, so a
// run that lost its lease, even for a moment, never sends what it planned.
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    await knex.raw('CREATE SEQUENCE group_lease_generation');
    await knex.raw(`ALTER TABLE group_leases ADD COLUMN generation bigint NOT NULL DEFAULT nextval('group_lease_generation')`);
};

export const down = async (knex: Knex): Promise<void> => {
    await knex.raw('ALTER TABLE group_leases DROP COLUMN generation');
    await knex.raw('DROP SEQUENCE group_lease_generation');
};
