// Workflows (contract §7, docs/workflows.md): a group's workflow, the ledger
// states a server takes while its workflow runs (joining, leaving), and each
// server's workflow progress, one row per (intent, event), written in the
// transaction that moves its ledger state so a restart resumes it.
import type { Knex } from 'knex';

const STATES_BEFORE = "'intent', 'building', 'active', 'deleting', 'gone'";
const STATES = "'intent', 'building', 'joining', 'active', 'leaving', 'deleting', 'gone'";

export const up = async (knex: Knex): Promise<void> => {
    await knex.schema.alterTable('groups', (t) => {
        t.jsonb('workflow').notNullable().defaultTo(JSON.stringify({ type: 'builtin' }));
    });

    await knex.raw('ALTER TABLE servers DROP CONSTRAINT servers_state');
    await knex.raw(`ALTER TABLE servers ADD CONSTRAINT servers_state CHECK (state IN (${STATES}))`);
    await knex.schema.alterTable('servers', (t) => {
        t.boolean('leaves').notNullable().defaultTo(false);   // its delete goes through terminate stages first
    });

    await knex.schema.createTable('server_workflows', (t) => {
        t.text('intent_id').notNullable().references('intent_id').inTable('servers').onDelete('CASCADE');
        t.text('event').notNullable();
        t.text('group_id').notNullable();
        t.jsonb('workflow').notNullable();            // the group's workflow when the server joined
        t.jsonb('stages').notNullable();              // this event's stages, in order
        t.jsonb('then_stages').notNullable();         // launch: the terminate stages it will leave through
        t.integer('stage').notNullable().defaultTo(0);
        t.text('outcome').notNullable().defaultTo('running');
        t.text('reason').nullable();
        t.jsonb('detail').notNullable().defaultTo('{}');   // a stage's own progress (members created, ...)
        t.timestamp('started_at', { useTz: true }).notNullable();
        t.timestamp('stage_started_at', { useTz: true }).notNullable();
        t.timestamp('finished_at', { useTz: true }).nullable();
        t.primary(['intent_id', 'event']);
    });
    await knex.raw("ALTER TABLE server_workflows ADD CONSTRAINT server_workflows_event CHECK (event IN ('launch', 'terminate'))");
    await knex.raw("ALTER TABLE server_workflows ADD CONSTRAINT server_workflows_outcome CHECK (outcome IN ('running', 'continue', 'abandon', 'cancelled'))");
    // The runners read only what is running.
    await knex.raw("CREATE INDEX server_workflows_running ON server_workflows (group_id) WHERE outcome = 'running'");
};

export const down = async (knex: Knex): Promise<void> => {
    await knex.schema.dropTableIfExists('server_workflows');
    // Without workflows a server Nova has made is in service, and nothing leaves before its delete.
    await knex('servers').whereIn('state', ['joining', 'leaving']).update({ state: 'active' });
    await knex.schema.alterTable('servers', (t) => {
        t.dropColumn('leaves');
    });
    await knex.raw('ALTER TABLE servers DROP CONSTRAINT servers_state');
    await knex.raw(`ALTER TABLE servers ADD CONSTRAINT servers_state CHECK (state IN (${STATES_BEFORE}))`);
    await knex.schema.alterTable('groups', (t) => {
        t.dropColumn('workflow');
    });
};
