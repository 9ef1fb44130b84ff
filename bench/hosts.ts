// The parent's side of a server host: fork it, wait for its port, ask it things.
import { fork, type ChildProcess } from 'node:child_process';
import * as Path from 'node:path';
import { HOST_CONFIG_ENV, type HostCommand, type HostConfig, type HostEvent, type HostUsage } from './protocol';

export interface Host {
    readonly role: HostConfig['role'];
    readonly origin: string;
    reset(): Promise<number>;
    usage(): Promise<HostUsage>;
    stop(): Promise<void>;
}

const TIMEOUT_MS = 60_000;

// The next event of `type` from the child; a 'failed' event or an exit rejects.
const next = <T extends HostEvent['type']>(child: ChildProcess, type: T): Promise<Extract<HostEvent, { type: T }>> =>
    new Promise((resolve, reject) => {
        const done = (): void => {
            clearTimeout(timer);
            child.off('message', onMessage);
            child.off('exit', onExit);
        };
        const onMessage = (event: HostEvent): void => {
            if (event.type === type) {
                done();
                resolve(event as Extract<HostEvent, { type: T }>);
            }
            else if (event.type === 'failed') {
                done();
                reject(new Error(`bench host failed: ${event.message}`));
            }
        };
        const onExit = (code: number | null): void => {
            done();
            reject(new Error(`bench host exited (${String(code)}) while waiting for '${type}'`));
        };
        const timer = setTimeout(() => {
            done();
            reject(new Error(`bench host: no '${type}' within ${TIMEOUT_MS} ms`));
        }, TIMEOUT_MS);
        child.on('message', onMessage);
        child.once('exit', onExit);
    });

export const startHost = async (config: HostConfig): Promise<Host> => {
    const child = fork(Path.join(__dirname, 'host.js'), [], {
        env: { ...process.env, [HOST_CONFIG_ENV]: JSON.stringify(config) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    });
    const send = (command: HostCommand): void => {
        child.send(command);
    };

    let ready: { port: number };
    try {
        ready = await next(child, 'ready');
    }
    catch (err) {
        child.kill();
        throw err;
    }

    return {
        role: config.role,
        origin: `http://127.0.0.1:${ready.port}`,
        reset: async () => {
            const answer = next(child, 'reset-done');
            send({ type: 'reset' });
            return (await answer).groupsBefore;
        },
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
