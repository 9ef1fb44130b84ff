// A plugin wired to the Keystone + Nova simulator over real HTTP, for the
// converger's scenario tests: one clock the test moves (plugin and simulator
// share it), a project of the test's own, and the converger run by hand
// (server.plugins['nova-autoscale'].convergeOnce) instead of waiting on timers.
import * as Code from '@hapi/code';
import Hapi from '@hapi/hapi';
import { randomUUID } from 'node:crypto';
import { plugin, type PluginOptions } from '../../plugin';
import type { ConvergeResult } from '../../core/converge/run';
import type { Compute } from '../../core/ports/compute';
import type { ServiceAccount } from '../../adapters/keystone/service-account';
import { DEMO, demoServiceAccount, startSimulator, type SimServer, type Simulator, type SimulatorOptions } from '../../simulator';
import { ManualClock } from '../simulator/helpers';
import { testDatabase } from './database';
import { tableValidator } from './identity';
import { caller, field, type Caller } from './server';

const { expect } = Code;

export interface Rig {
    readonly server: Hapi.Server;
    readonly sim: Simulator;
    readonly clock: ManualClock;
    readonly api: Caller;
    readonly admin: Caller;       // an operator's token: the admin routes (kill-switches)
    readonly tenant: string;
    converge(groupId: string): Promise<ConvergeResult>;
    // The servers in the tenant's project naming the group, whatever their state.
    ours(groupId: string): SimServer[];
    createGroup(config?: Record<string, unknown>, server?: Record<string, unknown>): Promise<string>;
    scaleTo(groupId: string, desired: number): Promise<void>;
    state(groupId: string): Promise<Record<string, unknown>>;
    activity(groupId: string): Promise<{ source: string; kind: string; outcome: string; reason: string; message: string }[]>;
    // Another plugin instance of the same cluster: the same database, cloud, options and clock (stopped with the rig).
    join(): Promise<Instance>;
    stop(): Promise<void>;
}

export interface Instance {
    readonly server: Hapi.Server;
    converge(groupId: string): Promise<ConvergeResult>;
    scaleTo(groupId: string, desired: number): Promise<void>;    // through this instance (its converger is kicked)
}

const convergeWith = (server: Hapi.Server) => async (groupId: string): Promise<ConvergeResult> => {
    const [result] = await server.plugins['nova-autoscale'].convergeOnce(groupId);
    if (!result) {
        throw new Error('no converger ran');
    }

    return result;
};

const scaleWith = (api: Caller, tenant: string) => async (groupId: string, desired: number): Promise<void> => {
    const created = await api('POST', `/${tenant}/groups/${groupId}/policies`, [{ name: `to-${desired}-${randomUUID().slice(0, 6)}`, cooldown: 0, type: 'webhook', desiredCapacity: desired }]);
    expect(created.statusCode, JSON.stringify(created.result)).to.equal(201);
    const policyId = String(field(created.result, 'policies', 0, 'id'));
    const res = await api('POST', `/${tenant}/groups/${groupId}/policies/${policyId}/execute`);
    expect(res.statusCode, JSON.stringify(res.result)).to.equal(202);
};

export interface RigOptions {
    readonly sim?: SimulatorOptions;
    readonly plugin?: Partial<PluginOptions>;
    // The host's own Compute (openstack.compute), made from the rig's service account and clock.
    readonly compute?: (account: ServiceAccount, clock: ManualClock) => Compute;
}

export const buildDelayMs = 10_000;

export const startRig = async (options: RigOptions = {}): Promise<Rig> => {
    const clock = new ManualClock();
    const sim = await startSimulator({ demo: true, buildDelayMs, now: clock.now, ...options.sim });
    const tenant = `p${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    sim.addProject({ id: tenant, name: tenant });
    sim.grantRole({ userName: DEMO.serviceUser.name, projectId: tenant, role: 'admin' });

    const db = await testDatabase();
    const serviceAccount: ServiceAccount = demoServiceAccount(sim);
    // A simulator is a new cloud; one earlier in the run may have had its port
    // (and so its Keystone URL), and its clock: what its guards shared is not ours.
    await db.knex('region_budgets').where({ cloud: serviceAccount.authUrl }).delete();
    await db.knex('region_holds').where({ cloud: serviceAccount.authUrl }).delete();
    const server = Hapi.server();
    const pluginOptions: PluginOptions = {
        database: { knex: db.knex },
        clock,
        openstack: {
            tokenValidator: tableValidator({ tok: { projectId: tenant, user: 'alice' }, op: { projectId: 'admin', roles: ['admin'], user: 'operator' } }),
            serviceAccount,
            ...(options.compute ? { compute: options.compute(serviceAccount, clock) } : {})
        },
        intervals: { convergeS: 3600, buildTimeoutS: 600 },
        // Backoff and the storm guard off unless a test asks: test/converge-backoff.ts does.
        converger: { recheckMs: 0, orphanGraceS: 60, backoffBaseMs: 0, stormGuard: false },
        supervisor: { debounceMs: 0 },
        alerts: { intervalMs: 0, pruneIntervalMs: 0 },
        schedules: { intervalMs: 0 },
        ...options.plugin
    };
    await server.register({ plugin, options: pluginOptions }, { routes: { prefix: '/autoscale' } });
    await server.initialize();
    const api = caller(server, 'tok');
    const joined: Hapi.Server[] = [];

    const rig: Rig = {
        server, sim, clock, api, admin: caller(server, 'op'), tenant,
        converge: convergeWith(server),
        ours: (groupId) => sim.servers(tenant).filter((s) => s.metadata['autoscale:group_id'] === groupId),
        createGroup: async (config = {}, launch = {}) => {
            const res = await api('POST', `/${tenant}/groups`, {
                groupConfiguration: { name: 'web', cooldown: 0, minEntities: 0, maxEntities: 10, metadata: {}, ...config },
                launchConfiguration: {
                    type: 'launch_server',
                    args: { server: { name: 'web', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: 'none', metadata: { team: 'web' }, ...launch } }
                }
            });
            expect(res.statusCode, JSON.stringify(res.result)).to.equal(201);
            return String(field(res.result, 'group', 'id'));
        },
        scaleTo: scaleWith(api, tenant),
        state: async (groupId) => {
            const res = await api('GET', `/${tenant}/groups/${groupId}/state`);
            expect(res.statusCode).to.equal(200);
            return field(res.result, 'group') as Record<string, unknown>;
        },
        activity: async (groupId) => {
            const res = await api('GET', `/${tenant}/groups/${groupId}/activity?limit=100`);
            expect(res.statusCode).to.equal(200);
            return field(res.result, 'activity') as { source: string; kind: string; outcome: string; reason: string; message: string }[];
        },
        join: async () => {
            const other = Hapi.server();
            await other.register({ plugin, options: pluginOptions }, { routes: { prefix: '/autoscale' } });
            await other.initialize();
            joined.push(other);
            return { server: other, converge: convergeWith(other), scaleTo: scaleWith(caller(other, 'tok'), tenant) };
        },
        stop: async () => {
            await Promise.all(joined.map((other) => other.stop()));
            await server.stop();
            await sim.stop();
        }
    };
    return rig;
};

// Run a test with a rig, and always stop it.
export const withRig = async (options: RigOptions, test: (rig: Rig) => Promise<void>): Promise<void> => {
    const rig = await startRig(options);
    try {
        await test(rig);
    }
    finally {
        await rig.stop();
    }
};

export const statuses = (servers: readonly SimServer[]): string[] => servers.map((s) => (s.taskState === 'deleting' ? 'DELETING' : s.status)).sort();
