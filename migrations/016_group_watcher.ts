// The instance that will look at a group again (contract §9): a group left
// waiting on Nova (builds, deletes, a backoff) holds no lease between its
// runs, only a timer in the instance that ran it. That instance's id is kept
// on the group while it waits, so that when the instance dies the others find
// the group and go on with it within the lease TTL and a takeover scan.
import type { Knex } from 'knex';

export const up = async (knex: Knex): Promise<void> => {
    await knex.raw('ALTER TABLE groups ADD COLUMN watcher text NULL');
    await knex.raw('CREATE INDEX groups_watcher ON groups (watcher) WHERE watcher IS NOT NULL');
};

export const down = async (knex: Knex): Promise<void> => {
    await knex.raw('DROP INDEX IF EXISTS groups_watcher');
    await knex.raw('ALTER TABLE groups DROP COLUMN watcher');
};
