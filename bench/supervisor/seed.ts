// The supervisor bench's plugin: Hapi + nova-autoscale on a given knex, with
// debounce 0, and many groups (cooldown 0, change +1, max at the ceiling) each
// with one webhook, so that no one group's row lock is what gets measured.
import Hapi from '@hapi/hapi';
import type { Knex } from 'knex';
import type { TokenValidator } from '../../core/ports/identity';
import { maxEntitiesCeiling } from '../../core/model/group';
import { plugin, type PluginOptions } from '../../plugin';

export const BENCH_TENANT = 'bench-supervisor';
const TOKEN = 'bench-supervisor-token';

export interface SeededGroup {
    readonly groupId: string;
    readonly policyId: string;
    readonly capabilityPath: string;       // /autoscale/v1.0/execute/1/{capability}/
}

// Only the seeding uses a token; the capability URL is anonymous.
const validator: TokenValidator = {
    validate: (token) => Promise.resolve(token === TOKEN
        ? { userId: 'bench', userName: 'bench', projectId: BENCH_TENANT, projectName: BENCH_TENANT, roles: ['member'], expiresAt: new Date(Date.now() + 86_400_000) }
        : null)
};

// `setup`: options over the bench's, and what the host registers before the plugin (a logger).
export interface PluginSetup {
    readonly options?: Partial<PluginOptions>;
    readonly before?: (server: Hapi.Server) => Promise<void>;
}

export const supervisorPlugin = async (knex: Knex, listen: boolean, setup: PluginSetup = {}): Promise<Hapi.Server> => {
    const server = listen ? Hapi.server({ host: '127.0.0.1', port: 0 }) : Hapi.server();
    await setup.before?.(server);
    await server.register({
        plugin,
        options: { database: { knex }, openstack: { tokenValidator: validator }, supervisor: { debounceMs: 0 }, limits: { maxGroups: 100_000 }, ...setup.options }
    }, { routes: { prefix: '/autoscale' } });
    await server.initialize();
    return server;
};

const inject = async (server: Hapi.Server, method: string, url: string, payload: unknown, expect: number): Promise<unknown> => {
    const res = await server.inject({ method, url: `/autoscale/v1.0/${BENCH_TENANT}${url}`, headers: { 'x-auth-token': TOKEN }, payload: payload as object });
    if (res.statusCode !== expect) {
        throw new Error(`seed ${method} ${url} → ${res.statusCode} ${res.payload.slice(0, 300)}`);
    }

    return res.result;
};

const groupBody = {
    groupConfiguration: { name: 'bench', cooldown: 0, minEntities: 0, maxEntities: maxEntitiesCeiling },
    launchConfiguration: {
        type: 'launch_server',
        args: { server: { name: 'bench', flavorRef: '1', imageRef: '6f1b6a4e-0c55-4b52-9f43-3b0d8e0a7c21', networks: 'none' } }
    },
    scalingPolicies: [{ name: 'up', cooldown: 0, type: 'webhook', change: 1 }]
};

interface Created { group: { id: string; scalingPolicies: { id: string }[] } }
interface Hooks { webhooks: { links: { href: string; rel: string }[] }[] }

const seedOne = async (server: Hapi.Server): Promise<SeededGroup> => {
    const created = await inject(server, 'POST', '/groups', groupBody, 201) as Created;
    const groupId = created.group.id;
    const policyId = created.group.scalingPolicies[0]?.id ?? '';
    const hooks = await inject(server, 'POST', `/groups/${groupId}/policies/${policyId}/webhooks`, [{ name: 'bench' }], 201) as Hooks;
    const href = hooks.webhooks[0]?.links.find((l) => l.rel === 'capability')?.href ?? '';
    return { groupId, policyId, capabilityPath: new URL(href).pathname };
};

export const seedGroups = async (server: Hapi.Server, count: number): Promise<SeededGroup[]> => {
    const seeded: SeededGroup[] = [];
    for (let i = 0; i < count; i += 20) {
        seeded.push(...await Promise.all(Array.from({ length: Math.min(20, count - i) }, () => seedOne(server))));
    }

    return seeded;
};

// The floor's one statement: an activity row as a trigger writes it, no lock, no decision.
export const floorInsert = (knex: Knex, groupId: string, i: number): Promise<unknown> =>
    knex('activity').insert({
        group_id: groupId, at: new Date(), source: 'webhook', kind: 'execute', outcome: 'accepted', reason: 'policy',
        message: 'floor', desired_before: i, desired_after: i + 1, who: 'floor', policy_id: null, event_id: null, decision_id: null
    });
