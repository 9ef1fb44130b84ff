// A cluster's plugin instances, each a child process (instance-host.ts), as
// the bench sees them: the API over HTTP as a customer's token, a stop, and a
// kill -9.
import * as Path from 'node:path';
import { once } from 'node:events';
import { Pool } from 'undici';
import type { ServiceAccount } from '../../adapters/keystone/service-account';
import type { CreateBudgetLimits } from '../../adapters/guard/budget';
import { forkHost, stopChild } from '../shared/child';
import { benchToken } from './rig';

export interface InstanceConfig {
    readonly databaseUrl: string;             // migrated already
    readonly serviceAccount: ServiceAccount;
    readonly createBudget: CreateBudgetLimits;
    readonly concurrency: number;             // creates in flight per converger run
    readonly parallelGroups: number;          // converger runs at once
    readonly stormGuard: boolean;
    readonly leaseTtlS: number;
}

export const INSTANCE_CONFIG_ENV = 'BENCH_INSTANCE_CONFIG';

export type InstanceCommand = { readonly type: 'stop' };

export type InstanceEvent =
    | { readonly type: 'ready'; readonly port: number; readonly instanceId: string }
    | { readonly type: 'failed'; readonly message: string };

export interface Instance {
    readonly id: string;                      // its lease holders start with it
    // A call to the groups API as the tenant's customer; the answer's JSON, or an error naming the status.
    call(tenantId: string, method: 'GET' | 'POST', path: string, expect: number, body?: unknown): Promise<unknown>;
    kill9(): Promise<void>;
    stop(): Promise<void>;
}

const TIMEOUT_MS = 60_000;

export const startInstance = async (config: InstanceConfig): Promise<Instance> => {
    const label = 'plugin instance';
    const { child, ready } = await forkHost<InstanceEvent>(Path.join(__dirname, 'instance-host.js'), INSTANCE_CONFIG_ENV, config, label, TIMEOUT_MS);
    const pool = new Pool(`http://127.0.0.1:${ready.port}`, { connections: 32, pipelining: 1 });
    let gone = false;
    return {
        id: ready.instanceId,
        call: async (tenantId, method, path, expect, body) => {
            const answer = await pool.request({
                method, path: `/autoscale/v1.0/${tenantId}${path}`,
                headers: { 'x-auth-token': benchToken(tenantId), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
                body: body === undefined ? null : JSON.stringify(body)
            });
            const text = await answer.body.text();
            if (answer.statusCode !== expect) {
                throw new Error(`${method} ${path} → ${answer.statusCode} ${text.slice(0, 300)}`);
            }

            return text === '' ? null : JSON.parse(text) as unknown;
        },
        kill9: async () => {
            if (gone) {
                return;
            }

            gone = true;
            if (child.exitCode === null && child.signalCode === null) {
                const exited = once(child, 'exit');
                child.kill('SIGKILL');
                await exited;
            }

            await pool.destroy();
        },
        stop: async () => {
            if (gone) {
                return;
            }

            gone = true;
            await pool.close();
            await stopChild(child);
        }
    };
};
