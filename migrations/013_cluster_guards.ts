// The guards of a region held for the whole cluster (contract §9): one
// upstream's holds (a Retry-After, a breaker open at some instance) and its
// creation budget are rows every instance reads and takes from, so three
// instances send what one would. Rows are per (cloud, service, region): the
// cloud is the service account's Keystone URL (region names repeat across
// clouds), the service its OpenStack type ('compute', 'load-balancer').
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    await knex.schema.createTable('region_holds', (t) => {
        t.text('cloud').notNullable();
        t.text('service').notNullable();
        t.text('region').notNullable();
        t.text('cause').notNullable();                  // retry_after | breaker_open
        t.timestamp('held_until', { useTz: true }).notNullable();
        t.text('set_by').notNullable();                 // the instance whose call saw it
        t.primary(['cloud', 'service', 'region', 'cause']);
    });
    await knex.raw("ALTER TABLE region_holds ADD CONSTRAINT region_holds_cause CHECK (cause IN ('retry_after', 'breaker_open'))");

    await knex.schema.createTable('region_budgets', (t) => {
        t.text('cloud').notNullable();
        t.text('service').notNullable();
        t.text('region').notNullable();
        t.double('tokens').notNullable();               // may be fractional
        t.timestamp('refilled_at', { useTz: true }).notNullable();
        // The creates sent and not yet answered: {slot id: lapse in epoch ms}.
        // A slot lapses on its own, so an instance killed mid-create does not
        // keep its share of maxInFlight for ever.
        t.jsonb('in_flight').notNullable().defaultTo('{}');
        t.primary(['cloud', 'service', 'region']);
    });
};

export const down = async (knex: Knex): Promise<void> => {
    await knex.schema.dropTableIfExists('region_budgets');
    await knex.schema.dropTableIfExists('region_holds');
};
