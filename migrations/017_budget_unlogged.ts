// The creation budget's rows unlogged (contract §9): every ask for a create
// (a refused one too) and every answer is an UPDATE of its region's one row,
// and a logged row stays locked until the WAL is flushed to disk. With three
// instances asking, the statements queued on the row, and each take refilled
// the bucket by a clock as old as its wait. The bucket is soft state: a crash
// empties an unlogged table, and the next take makes it full again as on
// first use (a region's burst; the slots were of creates that failed with the
// database anyway). The holds stay logged: a Retry-After must outlive a restart.
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    await knex.raw('ALTER TABLE region_budgets SET UNLOGGED');
};

export const down = async (knex: Knex): Promise<void> => {
    await knex.raw('ALTER TABLE region_budgets SET LOGGED');
};
