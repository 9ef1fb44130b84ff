// The customer webhook's outbox (contract §7 "Durable"): one row per delivery,
// written before anything is sent, so a restart or kill -9 sends it again with
// the same id. The callback token is never stored: it is HMAC(installation
// key, delivery id), and only its SHA-256 is kept, as a capability's is.
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    await knex.schema.createTable('workflow_deliveries', (t) => {
        t.text('id').primary();                         // the deliveryId, X-Autoscale-Delivery
        t.text('intent_id').notNullable();
        t.text('event').notNullable();
        t.integer('stage').notNullable();               // the stage of (intent, event) it serves
        t.text('group_id').notNullable().references('id').inTable('groups').onDelete('CASCADE');
        t.text('url').notNullable();
        // The body as sent, but for callbackUrl (which carries the token):
        // callback_root and the key give it back byte for byte on every retry.
        t.text('body').notNullable();
        t.text('callback_root').notNullable();
        t.text('token_hash').notNullable().unique();
        t.integer('attempts').notNullable().defaultTo(0);
        t.timestamp('first_sent_at', { useTz: true }).nullable();
        t.timestamp('last_sent_at', { useTz: true }).nullable();
        t.timestamp('next_at', { useTz: true }).notNullable();    // the next attempt (or a claimed attempt's lapse)
        t.timestamp('deadline', { useTz: true }).notNullable();   // the default result applies then
        t.boolean('acknowledged').notNullable().defaultTo(false); // a 2xx without a result: the callback is awaited
        t.text('outcome').nullable();                   // null while pending
        t.text('reason').nullable();
        t.text('note').nullable();                      // the last attempt's answer, for an operator
        t.timestamp('created_at', { useTz: true }).notNullable();
        t.timestamp('updated_at', { useTz: true }).notNullable();
        t.timestamp('completed_at', { useTz: true }).nullable();
        t.foreign(['intent_id', 'event']).references(['intent_id', 'event']).inTable('server_workflows').onDelete('CASCADE');
        t.unique(['intent_id', 'event', 'stage']);      // one delivery per stage, however many instances write it
    });
    await knex.raw("ALTER TABLE workflow_deliveries ADD CONSTRAINT workflow_deliveries_event CHECK (event IN ('launch', 'terminate'))");
    await knex.raw("ALTER TABLE workflow_deliveries ADD CONSTRAINT workflow_deliveries_outcome CHECK (outcome IN ('continue', 'abandon', 'cancelled'))");
    // The loop reads only pending deliveries, the soonest first.
    await knex.raw('CREATE INDEX workflow_deliveries_pending ON workflow_deliveries (next_at) WHERE outcome IS NULL');
};

export const down = async (knex: Knex): Promise<void> => {
    await knex.schema.dropTableIfExists('workflow_deliveries');
};
