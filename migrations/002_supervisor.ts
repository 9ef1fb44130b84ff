// The supervisor's state: what a trigger is checked against (overrides,
// kill-switches, the policy's last decision in the activity log), what makes intake idempotent
// (event ids), and the alert episodes it circles back on.
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    await knex.schema.alterTable('activity', (t) => {
        t.text('policy_id').nullable();
        // The same event id is taken once, ever: a repeat answers from this row.
        t.text('event_id').nullable().unique();
        // A debounced trigger names the decision it was coalesced into; the
        // policy's latest decision is found by this index, so a refused
        // trigger writes nothing but its activity row.
        t.bigInteger('decision_id').nullable();
        t.index(['policy_id', 'id']);
    });

    // Bumped by every write a decision depends on: a decision is recorded only
    // on the version it was made from (adapters/store/triggers.ts).
    await knex.schema.alterTable('groups', (t) => {
        t.integer('version').notNullable().defaultTo(0);
    });

    await knex.schema.createTable('overrides', (t) => {
        t.text('group_id').primary().references('id').inTable('groups').onDelete('CASCADE');
        t.integer('desired').nullable();
        t.integer('min_entities').nullable();
        t.integer('max_entities').nullable();
        t.text('reason').notNullable();
        t.text('who').notNullable();
        t.timestamp('expires_at', { useTz: true }).notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable();
    });

    await knex.schema.createTable('kill_switches', (t) => {
        t.text('scope').primary();                     // global | region:{name}
        t.text('mode').notNullable();
        t.text('reason').notNullable();
        t.text('who').notNullable();
        t.timestamp('expires_at', { useTz: true }).nullable();
        t.timestamp('created_at', { useTz: true }).notNullable();
    });
    await knex.raw(`ALTER TABLE kill_switches ADD CONSTRAINT kill_switches_mode CHECK (mode IN ('scale-up', 'all'))`);

    // One row per (tenant, alert rule, entity): the alert's last state and, while
    // it is CRITICAL, the episode's circle-back count and next attempt.
    await knex.schema.createTable('alert_episodes', (t) => {
        t.text('tenant_id').notNullable();
        t.text('rule_id').notNullable();
        t.text('entity_id').notNullable();             // '' when the rule has no entity
        t.text('state').notNullable();
        t.timestamp('last_at', { useTz: true }).notNullable();
        t.jsonb('actions').notNullable();
        t.integer('attempts').notNullable().defaultTo(0);
        t.timestamp('next_attempt_at', { useTz: true }).nullable();
        t.primary(['tenant_id', 'rule_id', 'entity_id']);
        t.index(['next_attempt_at']);
    });
    await knex.raw(`ALTER TABLE alert_episodes ADD CONSTRAINT alert_episodes_state CHECK (state IN ('OK', 'WARNING', 'CRITICAL'))`);

    // Alert transitions already taken, by event id.
    await knex.schema.createTable('alert_events', (t) => {
        t.text('event_id').primary();
        t.text('tenant_id').notNullable();
        t.timestamp('received_at', { useTz: true }).notNullable();
    });
};

export const down = async (knex: Knex): Promise<void> => {
    for (const table of ['alert_events', 'alert_episodes', 'kill_switches', 'overrides']) {
        await knex.schema.dropTableIfExists(table);
    }

    await knex.schema.alterTable('groups', (t) => {
        t.dropColumn('version');
    });
    await knex.schema.alterTable('activity', (t) => {
        t.dropIndex(['policy_id', 'id']);
        t.dropColumn('policy_id');
        t.dropColumn('event_id');
        t.dropColumn('decision_id');
    });
};
