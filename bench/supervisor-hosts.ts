// The webhook side's servers, each in its own process (as bench/hosts.ts does
// for the groups API): the plugin with its capability route, or the floor, a
// bare Hapi route doing one INSERT. The parent learns the paths to POST.
import { fork, type ChildProcess } from 'node:child_process';
import * as Path from 'node:path';
import type { HostDatabase, HostUsage } from './protocol';

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

const next = <T extends SupervisorEvent['type']>(child: ChildProcess, type: T): Promise<Extract<SupervisorEvent, { type: T }>> =>
    new Promise((resolve, reject) => {
        const done = (): void => {
            clearTimeout(timer);
            child.off('message', onMessage);
            child.off('exit', onExit);
        };
        const onMessage = (event: SupervisorEvent): void => {
            if (event.type === type || event.type === 'failed') {
                done();
                if (event.type === 'failed') {
                    reject(new Error(`supervisor bench host failed: ${event.message}`));
                }
                else {
                    resolve(event as Extract<SupervisorEvent, { type: T }>);
                }
            }
        };
        const onExit = (code: number | null): void => {
            done();
            reject(new Error(`supervisor bench host exited (${String(code)}) while waiting for '${type}'`));
        };
        const timer = setTimeout(() => {
            done();
            reject(new Error(`supervisor bench host: no '${type}' within ${TIMEOUT_MS} ms`));
        }, TIMEOUT_MS);
        child.on('message', onMessage);
        child.once('exit', onExit);
    });

export const startSupervisorHost = async (config: SupervisorHostConfig): Promise<SupervisorHost> => {
    const child = fork(Path.join(__dirname, 'supervisor-host.js'), [], {
        env: { ...process.env, [SUPERVISOR_HOST_ENV]: JSON.stringify(config) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    });
    const send = (command: SupervisorCommand): void => {
        child.send(command);
    };

    let ready: { port: number; paths: readonly string[] };
    try {
        ready = await next(child, 'ready');
    }
    catch (err) {
        child.kill();
        throw err;
    }

    return {
        origin: `http://127.0.0.1:${ready.port}`,
        paths: ready.paths,
        usage: async () => {
            const answer = next(child, 'usage');
            send({ type: 'usage' });
            return (await answer).usage;
        },
        stop: async () => {
            if (child.exitCode !== null) {
                return;
            }

            const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
            send({ type: 'stop' });
            const timer = setTimeout(() => child.kill(), 10_000);
            await exited;
            clearTimeout(timer);
        }
    };
};
