// A trigger's event id is its group's: the activity row that answers a
// repeat of it is looked up in the group (adapters/store/triggers.ts), so an
// id no other tenant can reach, and unique there only. Kept apart from 006 so
// that a database which ran 006 as it first landed still gets this.
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    await knex.schema.alterTable('activity', (t) => {
        t.dropUnique(['event_id']);
        t.unique(['group_id', 'event_id']);
    });
};

export const down = async (knex: Knex): Promise<void> => {
    // Unique on its own again: of one id in several groups, the oldest row keeps it.
    await knex.raw(`UPDATE activity a SET event_id = NULL FROM activity b
        WHERE a.event_id = b.event_id AND a.id > b.id`);
    await knex.schema.alterTable('activity', (t) => {
        t.dropUnique(['group_id', 'event_id']);
        t.unique(['event_id']);
    });
};
