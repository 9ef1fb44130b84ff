// Kill-switch history: every set and clear, with who, when and the switch as
// it was (scope, mode, reason, expiry), written in the transaction that
// changes the switch. An audit for the operators; nothing reads it to decide.
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    await knex.schema.createTable('kill_switch_history', (t) => {
        t.bigIncrements('id').primary();
        t.text('action').notNullable();                  // set | cleared
        t.text('scope').notNullable();                   // global | region:{name}
        t.text('mode').notNullable();
        t.text('reason').notNullable();                  // the switch's
        t.text('who').notNullable();                     // who set it, or who cleared it
        t.timestamp('expires_at', { useTz: true }).nullable();
        t.timestamp('at', { useTz: true }).notNullable();
        t.index(['at', 'id']);
    });
    await knex.raw(`ALTER TABLE kill_switch_history ADD CONSTRAINT kill_switch_history_action CHECK (action IN ('set', 'cleared'))`);
};

export const down = async (knex: Knex): Promise<void> => {
    await knex.schema.dropTableIfExists('kill_switch_history');
};
