// Schedules (contract §8): a cron policy's time zone, and how far each
// schedule policy's due times have been handled (fired, or counted missed).
// A policy written or rewritten starts from that moment: its past times are
// not its to fire.
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    await knex.schema.alterTable('policies', (t) => {
        t.text('schedule_timezone').nullable();
        t.timestamp('schedule_from', { useTz: true }).nullable();
    });
    await knex('policies').where({ type: 'schedule' }).update({ schedule_from: knex.fn.now() });
};

export const down = async (knex: Knex): Promise<void> => {
    await knex.schema.alterTable('policies', (t) => {
        t.dropColumn('schedule_from');
        t.dropColumn('schedule_timezone');
    });
};
