// The cluster's guard state in the test database, through the store's own
// port (adapters/store/knex-store.ts), and a fresh upstream per test so that
// tests never see each other's rows.
import { randomUUID } from 'node:crypto';
import { knexStore } from '../../adapters/store/knex-store';
import { openDatabase } from '../../adapters/store/database';
import type { ClusterGuardStore, Upstream } from '../../adapters/guard/cluster-store';
import { systemClock } from '../../core/ports/clock';
import { testDatabase } from './database';

export const testGuardStore = async (): Promise<ClusterGuardStore> => {
    const db = await testDatabase();
    const store = knexStore(openDatabase({ knex: db.knex }), { migrate: false, clock: systemClock });
    await store.open();
    return store.guards;
};

export const freshCloud = (): string => `https://keystone-${randomUUID().slice(0, 8)}.test/v3`;

export const freshUpstream = (service = 'compute'): Upstream => ({ cloud: freshCloud(), service });
