// An alert's event id is its tenant's and its rule's (contract §6): the same
// id from two tenants, or two rules, is two transitions, not a replay. Taken
// ids are pruned after the retention (core/engine/circle-back.ts), so they
// are indexed by when they came.
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    await knex.schema.alterTable('alert_events', (t) => {
        t.text('rule_id').notNullable().defaultTo('');      // ids taken before this migration: their rule is unknown
        t.dropPrimary();
    });
    await knex.schema.alterTable('alert_events', (t) => {
        t.primary(['tenant_id', 'rule_id', 'event_id']);
        t.index(['received_at']);
    });
};

export const down = async (knex: Knex): Promise<void> => {
    // One row per event id again: the oldest stays.
    await knex.raw(`DELETE FROM alert_events a USING alert_events b
        WHERE a.event_id = b.event_id AND (a.received_at, a.tenant_id, a.rule_id) > (b.received_at, b.tenant_id, b.rule_id)`);
    await knex.schema.alterTable('alert_events', (t) => {
        t.dropIndex(['received_at']);
        t.dropPrimary();
    });
    await knex.schema.alterTable('alert_events', (t) => {
        t.dropColumn('rule_id');
        t.primary(['event_id']);
    });
};
