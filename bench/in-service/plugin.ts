// The plugin's side of the time-to-in-service bench: a host mounting it with
// the service account and every other option at its default (the converger's
// kick and rechecks, the alert loop), its groups written with the customer's
// Keystone token. A run: a fresh group with a policy to `count` servers, an
// alert going CRITICAL in process (contract §6, how a monitoring server that
// mounts the plugin hands it over), then the group's state read every stateMs
// until `count` servers are in service; then OK, a forced delete, and the
// group waited for until it is gone with its servers.
import Hapi from '@hapi/hapi';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { plugin, type AlertTransitionInput } from '../../plugin';
import type { HostDatabase } from '../shared/protocol';
import type { Cloud } from './cloud';

export interface PluginHost {
    run(count: number, stateMs: number, limitMs: number): Promise<number>;
    stop(): Promise<void>;
}

interface Created { group: { id: string; scalingPolicies: { id: string }[] } }
interface State { group: { activeCapacity: number; pendingCapacity: number; status: string; errors: { message: string }[] } }

export const startPluginHost = async (cloud: Cloud, database: HostDatabase): Promise<PluginHost> => {
    const server = Hapi.server();
    await server.register({
        plugin,
        options: {
            database: database.kind === 'postgres' ? database.url : { embedded: {} },
            migrate: database.kind === 'pglite',
            openstack: { serviceAccount: cloud.account }
        }
    }, { routes: { prefix: '/autoscale' } });
    await server.initialize();
    const api = server.plugins['nova-autoscale'];

    const inject = async (method: string, path: string, payload?: object): Promise<{ status: number; result: unknown }> => {
        const res = await server.inject({
            method, url: `/autoscale/v1.0/${cloud.tenantId}${path}`, headers: { 'x-auth-token': await cloud.customerToken() }, ...(payload ? { payload } : {})
        });
        return { status: res.statusCode, result: res.result };
    };

    const waitFor = async (what: string, limitMs: number, everyMs: number, done: () => Promise<boolean>): Promise<void> => {
        const until = Date.now() + limitMs;
        while (!await done()) {
            if (Date.now() > until) {
                throw new Error(`plugin: ${what} not within ${limitMs} ms`);
            }

            await sleep(everyMs);
        }
    };

    // The alert back to OK, then the group force-deleted and waited for: the next run starts from an empty project.
    const remove = async (groupId: string, ruleId: string, actions: AlertTransitionInput['actions'], limitMs: number): Promise<void> => {
        await api.alertTransition({ tenantId: cloud.tenantId, ruleId, eventId: randomUUID(), at: new Date(), from: 'CRITICAL', to: 'OK', actions });
        const deleted = await inject('DELETE', `/groups/${groupId}?force=true`);
        if (deleted.status >= 300) {
            throw new Error(`plugin: forced delete → ${deleted.status}`);
        }

        await waitFor('the group deleted with its servers', limitMs, 250, async () => (await inject('GET', `/groups/${groupId}`)).status === 404);
    };

    const run = async (count: number, stateMs: number, limitMs: number): Promise<number> => {
        const created = await inject('POST', '/groups', {
            groupConfiguration: { name: 'in-service', cooldown: 0, minEntities: 0, maxEntities: count },
            launchConfiguration: { type: 'launch_server', args: { server: cloud.server } },
            scalingPolicies: [{ name: 'to-n', cooldown: 0, type: 'webhook', desiredCapacity: count }]
        });
        if (created.status !== 201) {
            throw new Error(`plugin: create group → ${created.status} ${JSON.stringify(created.result).slice(0, 300)}`);
        }

        const { id: groupId, scalingPolicies } = (created.result as Created).group;
        const actions = [{ type: 'autoscale' as const, groupId, policyId: scalingPolicies[0]?.id ?? '' }];
        const ruleId = `in-service-${randomUUID()}`;
        try {
            const started = Date.now();
            const outcome = await api.alertTransition({ tenantId: cloud.tenantId, ruleId, eventId: randomUUID(), at: new Date(), from: 'OK', to: 'CRITICAL', actions });
            if (outcome.triggers[0]?.outcome !== 'accepted') {
                throw new Error(`plugin: the CRITICAL made no decision (${JSON.stringify(outcome).slice(0, 300)})`);
            }

            await waitFor(`${count} servers in service`, limitMs, stateMs, async () => {
                const state = ((await inject('GET', `/groups/${groupId}/state`)).result as State).group;
                if (state.status === 'ERROR') {
                    throw new Error(`plugin: group ERROR: ${state.errors.map((e) => e.message).join('; ')}`);
                }

                return state.activeCapacity === count;
            });
            return Date.now() - started;
        }
        finally {
            await remove(groupId, ruleId, actions, limitMs);
        }
    };

    return { run, stop: () => server.stop() };
};
