// The foundation schema: tenants' groups (config, launch configuration and
// state), their policies and webhooks, the activity log and the servers ledger.
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    // One row per tenant that ever had a group. Its counter is what the
    // per-tenant group limit is checked against, atomically, in the same
    // statement that inserts the group (adapters/store/groups.ts).
    await knex.schema.createTable('tenants', (t) => {
        t.text('id').primary();
        t.integer('group_count').notNullable().defaultTo(0);
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });

    await knex.schema.createTable('groups', (t) => {
        t.text('id').primary();
        t.text('tenant_id').notNullable().references('id').inTable('tenants');
        t.text('name').notNullable();
        t.integer('cooldown').notNullable();
        t.integer('min_entities').notNullable();
        t.integer('max_entities').nullable();
        t.jsonb('metadata').notNullable();
        t.jsonb('launch').notNullable();
        // The group's state lives on its row: the row lock that serialises
        // decisions is the same one config changes take.
        t.integer('desired').notNullable();
        t.boolean('paused').notNullable().defaultTo(false);
        t.text('status').notNullable().defaultTo('ACTIVE');
        t.jsonb('errors').notNullable().defaultTo('[]');
        t.timestamp('last_scaled_at', { useTz: true }).nullable();
        t.timestamp('created_at', { useTz: true }).notNullable();
        t.timestamp('updated_at', { useTz: true }).notNullable();
        t.index(['tenant_id', 'id']);
    });
    await knex.raw(`ALTER TABLE groups ADD CONSTRAINT groups_status CHECK (status IN ('ACTIVE', 'ERROR', 'DELETING'))`);
    await knex.raw('ALTER TABLE groups ADD CONSTRAINT groups_desired CHECK (desired >= 0)');

    await knex.schema.createTable('policies', (t) => {
        t.text('id').primary();
        t.text('group_id').notNullable().references('id').inTable('groups').onDelete('CASCADE');
        t.text('name').notNullable();
        t.integer('cooldown').notNullable();
        t.text('adjustment').notNullable();            // change | changePercent | desiredCapacity
        t.double('amount').notNullable();
        t.text('type').notNullable();                  // webhook | schedule
        t.timestamp('schedule_at', { useTz: true }).nullable();
        t.text('schedule_cron').nullable();
        t.timestamp('last_executed_at', { useTz: true }).nullable();
        t.timestamp('created_at', { useTz: true }).notNullable();
        t.index(['group_id', 'id']);
    });
    await knex.raw(`ALTER TABLE policies ADD CONSTRAINT policies_adjustment CHECK (adjustment IN ('change', 'changePercent', 'desiredCapacity'))`);
    await knex.raw(`ALTER TABLE policies ADD CONSTRAINT policies_type CHECK (
        (type = 'webhook' AND schedule_at IS NULL AND schedule_cron IS NULL) OR
        (type = 'schedule' AND (schedule_at IS NULL) <> (schedule_cron IS NULL)))`);

    // The capability itself is never stored: only its SHA-256, for lookup.
    await knex.schema.createTable('webhooks', (t) => {
        t.text('id').primary();
        t.text('policy_id').notNullable().references('id').inTable('policies').onDelete('CASCADE');
        t.text('group_id').notNullable().references('id').inTable('groups').onDelete('CASCADE');
        t.text('name').notNullable();
        t.jsonb('metadata').notNullable();
        t.text('capability_hash').notNullable().unique();
        t.timestamp('created_at', { useTz: true }).notNullable();
        t.index(['policy_id', 'id']);
    });

    // The key capabilities are derived from, generated once per installation.
    await knex.schema.createTable('secrets', (t) => {
        t.text('name').primary();
        t.text('value').notNullable();
    });

    await knex.schema.createTable('activity', (t) => {
        t.bigIncrements('id').primary();
        t.text('group_id').notNullable().references('id').inTable('groups').onDelete('CASCADE');
        t.timestamp('at', { useTz: true }).notNullable();
        t.text('source').notNullable();
        t.text('kind').notNullable();
        t.text('outcome').notNullable();
        t.text('reason').notNullable();
        t.text('message').notNullable();
        t.integer('desired_before').nullable();
        t.integer('desired_after').nullable();
        t.text('who').notNullable();
        t.index(['group_id', 'id']);
    });

    // The ownership ledger: an intent row is committed before its create is sent.
    await knex.schema.createTable('servers', (t) => {
        t.text('intent_id').primary();
        t.text('group_id').notNullable().references('id').inTable('groups');
        t.text('server_id').nullable().unique();
        t.text('state').notNullable();
        t.text('error').nullable();
        t.timestamp('created_at', { useTz: true }).notNullable();
        t.timestamp('updated_at', { useTz: true }).notNullable();
        t.index(['group_id']);
    });
    await knex.raw(`ALTER TABLE servers ADD CONSTRAINT servers_state CHECK (state IN ('intent', 'building', 'active', 'deleting', 'gone'))`);
};

export const down = async (knex: Knex): Promise<void> => {
    for (const table of ['servers', 'activity', 'secrets', 'webhooks', 'policies', 'groups', 'tenants']) {
        await knex.schema.dropTableIfExists(table);
    }
};
