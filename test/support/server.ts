// One Hapi server per test, the plugin mounted at /autoscale on the shared
// test database, with whatever identity the test gives it.
import Hapi from '@hapi/hapi';
import type { ServerInjectResponse } from '@hapi/hapi';
import { randomUUID } from 'node:crypto';
import { plugin, type PluginOptions } from '../../plugin';
import type { TokenValidator } from '../../core/ports/identity';
import { demoImageId } from '../../simulator';
import { testDatabase } from './database';

export interface TestServerOptions extends Omit<PluginOptions, 'database'> {
    validator: TokenValidator;
}

export const testServer = async (options: TestServerOptions): Promise<Hapi.Server> => {
    const { validator, ...rest } = options;
    const db = await testDatabase();
    const server = Hapi.server();
    await server.register({ plugin, options: { schedules: { intervalMs: 0 }, ...rest, database: { knex: db.knex }, openstack: { tokenValidator: validator } } }, { routes: { prefix: '/autoscale' } });
    await server.initialize();
    return server;
};

// A tenant id no other test uses.
export const freshTenant = (): string => `t-${randomUUID().slice(0, 8)}`;

export interface Caller {
    (method: string, url: string, payload?: unknown): Promise<ServerInjectResponse<unknown>>;
}

export const caller = (server: Hapi.Server, token: string | null): Caller => (method, url, payload) =>
    server.inject({
        method,
        url: url.startsWith('/autoscale') ? url : `/autoscale/v1.0${url}`,
        headers: token === null ? {} : { 'x-auth-token': token },
        ...(payload === undefined ? {} : { payload: payload as object })
    });

// A body's field, for assertions, without `any`.
export const field = (value: unknown, ...path: (string | number)[]): unknown =>
    path.reduce<unknown>((at, key) => (at !== null && typeof at === 'object' ? (at as Record<string | number, unknown>)[key] : undefined), value);

// Its image is the simulator's demo image: a plugin that checks launch
// configurations against the simulator (contract §3) finds it.
export const validGroup = (name = 'web') => ({
    groupConfiguration: { name, cooldown: 60, minEntities: 1, maxEntities: 10, metadata: { team: 'web' } },
    launchConfiguration: {
        type: 'launch_server',
        args: { server: { name: 'web', flavorRef: '1', imageRef: demoImageId, networks: 'none' } }
    }
});

export const webhookPolicy = (name = 'up', change = 1) => ({ name, cooldown: 30, type: 'webhook', change });
