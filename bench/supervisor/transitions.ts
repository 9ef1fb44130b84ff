// The in-process decision loop's call: an alert transition through the
// plugin's own API, each a new alert (entity) going CRITICAL on the next
// group in turn, so one decision each and never a replay.
import type Hapi from '@hapi/hapi';
import { randomUUID } from 'node:crypto';
import { BENCH_TENANT, type SeededGroup } from './seed';

export const transitions = (server: Hapi.Server, groups: readonly SeededGroup[]): (() => Promise<void>) => {
    const api = server.plugins['nova-autoscale'];
    const run = randomUUID().slice(0, 8);
    let n = 0;
    return async () => {
        const i = n++;
        const group = groups[i % groups.length];
        const outcome = await api.alertTransition({
            tenantId: BENCH_TENANT, ruleId: 'bench', entityId: `${run}-${i}`, eventId: `bench-${run}-${i}`, at: new Date(),
            from: 'OK', to: 'CRITICAL', actions: [{ type: 'autoscale', groupId: group?.groupId ?? '', policyId: group?.policyId ?? '' }]
        });
        if (outcome.triggers.length !== 1) {
            throw new Error(`a transition made ${outcome.triggers.length} decisions (${outcome.status})`);
        }
    };
};
