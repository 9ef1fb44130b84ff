// The converger bench's rig: the simulator (zero build time), the plugin on a
// fresh PostgreSQL database with the converger on a GuardedCompute of our
// making (the plugin's own wiring, with the budget and a breaker hook exposed),
// and groups seeded through the API, several to a tenant project.
import Hapi from '@hapi/hapi';
import { randomUUID } from 'node:crypto';
import { NovaCompute } from '../../adapters/nova/compute';
import { GuardedCompute, type GuardedComputeOptions } from '../../adapters/nova/guarded-compute';
import type { TokenValidator } from '../../core/ports/identity';
import { plugin, type PluginOptions } from '../../plugin';
import { DEMO, demoServiceAccount, type Simulator } from '../../simulator';

export interface BenchGroup {
    readonly groupId: string;
    readonly tenantId: string;
    readonly policyId: string;
}

const TOKEN_PREFIX = 'bench-converge.';

// A customer token per tenant: `bench-converge.{tenantId}`.
export const benchToken = (tenantId: string): string => `${TOKEN_PREFIX}${tenantId}`;

export const benchValidator: TokenValidator = {
    validate: (token) => Promise.resolve(token.startsWith(TOKEN_PREFIX)
        ? { userId: 'bench', userName: 'bench', projectId: token.slice(TOKEN_PREFIX.length), projectName: null, roles: ['member'], expiresAt: new Date(Date.now() + 86_400_000) }
        : null)
};

// As plugin/converger-loop.ts builds it, with the options given.
export const guardedCompute = (sim: Pick<Simulator, 'authUrl' | 'region'>, options: GuardedComputeOptions = {}): GuardedCompute =>
    new GuardedCompute(new NovaCompute(demoServiceAccount(sim)), { defaultRegion: sim.region, ...options });

// `openstack`: more of it (the service account, for Octavia).
export const mountPlugin = async (databaseUrl: string, sim: Pick<Simulator, 'region'>, compute: GuardedCompute, converger: PluginOptions['converger'],
    openstack: PluginOptions['openstack'] = {}): Promise<Hapi.Server> => {
    const server = Hapi.server();
    await server.register({
        plugin,
        options: {
            database: databaseUrl, migrate: false, region: sim.region,
            openstack: { ...openstack, tokenValidator: benchValidator, compute },
            converger, intervals: { convergeS: 300, buildTimeoutS: 600 },
            supervisor: { debounceMs: 0 }, alerts: { intervalMs: 0, pruneIntervalMs: 0 }, limits: { maxGroups: 100_000 }
        }
    }, { routes: { prefix: '/autoscale' } });
    await server.initialize();
    return server;
};

export const inject = async (server: Hapi.Server, tenantId: string, method: string, url: string, payload?: unknown): Promise<unknown> => {
    const res = await server.inject({
        method, url: `/autoscale/v1.0/${tenantId}${url}`, headers: { 'x-auth-token': benchToken(tenantId) },
        ...(payload === undefined ? {} : { payload: payload as object })
    });
    if (res.statusCode >= 300) {
        throw new Error(`${method} ${url} → ${res.statusCode} ${res.payload.slice(0, 300)}`);
    }

    return res.result;
};

export const groupBody = {
    groupConfiguration: { name: 'bench', cooldown: 0, minEntities: 0, maxEntities: 1000 },
    launchConfiguration: {
        type: 'launch_server',
        args: { server: { name: 'bench', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: 'none' } }
    },
    scalingPolicies: [{ name: 'up', cooldown: 0, type: 'webhook', change: 1 }]
};

interface Created { group: { id: string; scalingPolicies: { id: string }[] } }

// Tenant projects in the simulator (the service account an admin there), then
// the groups; each creation kicks a converger run, drained before returning.
export const seedGroups = async (server: Hapi.Server, sim: Simulator, count: number, perTenant: number): Promise<BenchGroup[]> => {
    const tenants = Array.from({ length: Math.ceil(count / perTenant) }, () => `b${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    for (const id of tenants) {
        sim.addProject({ id, name: id });
        sim.grantRole({ userName: DEMO.serviceUser.name, projectId: id, role: 'admin' });
    }

    const groups: BenchGroup[] = [];
    for (let i = 0; i < count; i += 20) {
        groups.push(...await Promise.all(Array.from({ length: Math.min(20, count - i) }, async (_, j) => {
            const tenantId = tenants[Math.floor((i + j) / perTenant)] ?? '';
            const created = await inject(server, tenantId, 'POST', '/groups', groupBody) as Created;
            return { groupId: created.group.id, tenantId, policyId: created.group.scalingPolicies[0]?.id ?? '' };
        })));
    }

    const api = server.plugins['nova-autoscale'];
    await Promise.all(groups.map((g) => api.convergeOnce(g.groupId)));
    return groups;
};
