// The webhook side's servers, each in its own process (as bench/api/hosts.ts does
// for the groups API): the plugin with its capability route, or the floor, a
// bare Hapi route doing one INSERT. The parent learns the paths to POST.
import * as Path from 'node:path';
import { forkHost, nextEvent, stopChild } from '../shared/child';
import type { HostDatabase, HostUsage } from '../shared/protocol';

export interface SupervisorHostConfig {
    readonly role: 'plugin' | 'floor';
    readonly database: HostDatabase;
    readonly groups: number;
}

export const SUPERVISOR_HOST_ENV = 'BENCH_SUPERVISOR_HOST';

export type SupervisorCommand = { readonly type: 'usage' } | { readonly type: 'stop' };

export type SupervisorEvent =
    | { readonly type: 'ready'; readonly port: number; readonly paths: readonly string[] }
    | { readonly type: 'usage'; readonly usage: HostUsage }
    | { readonly type: 'failed'; readonly message: string };

export interface SupervisorHost {
    readonly origin: string;
    readonly paths: readonly string[];
    usage(): Promise<HostUsage>;
    stop(): Promise<void>;
}

const TIMEOUT_MS = 120_000;

export const startSupervisorHost = async (config: SupervisorHostConfig): Promise<SupervisorHost> => {
    const label = 'supervisor bench host';
    const { child, ready } = await forkHost<SupervisorEvent>(Path.join(__dirname, 'host.js'), SUPERVISOR_HOST_ENV, config, label, TIMEOUT_MS);
    const send = (command: SupervisorCommand): void => {
        child.send(command);
    };

    return {
        origin: `http://127.0.0.1:${ready.port}`,
        paths: ready.paths,
        usage: async () => {
            const answer = nextEvent<SupervisorEvent, 'usage'>(child, 'usage', label, TIMEOUT_MS);
            send({ type: 'usage' });
            return (await answer).usage;
        },
        stop: () => stopChild(child)
    };
};
