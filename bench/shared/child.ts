// A server host in a child process, as the parent sees it: fork it, wait for
// its events, ask it to stop. bench/api/hosts.ts and bench/supervisor/hosts.ts
// differ only in what they say to it.
import { fork, type ChildProcess } from 'node:child_process';

export interface ChildEvent {
    readonly type: string;
}

// The next event of `type` from the child; a 'failed' event, an exit or the timeout rejects.
export const nextEvent = <E extends ChildEvent, T extends E['type']>(child: ChildProcess, type: T, label: string, timeoutMs: number): Promise<Extract<E, { type: T }>> =>
    new Promise((resolve, reject) => {
        const done = (): void => {
            clearTimeout(timer);
            child.off('message', onMessage);
            child.off('exit', onExit);
        };
        const onMessage = (event: E & { message?: string }): void => {
            if (event.type === type) {
                done();
                resolve(event as Extract<E, { type: T }>);
            }
            else if (event.type === 'failed') {
                done();
                reject(new Error(`${label} failed: ${event.message ?? ''}`));
            }
        };
        const onExit = (code: number | null): void => {
            done();
            reject(new Error(`${label} exited (${String(code)}) while waiting for '${type}'`));
        };
        const timer = setTimeout(() => {
            done();
            reject(new Error(`${label}: no '${type}' within ${timeoutMs} ms`));
        }, timeoutMs);
        child.on('message', onMessage);
        child.once('exit', onExit);
    });

// Forks `script` (the compiled .js path; each caller names its own host) with its config in `envName`, and waits for 'ready'.
export const forkHost = async <E extends ChildEvent>(script: string, envName: string, config: unknown, label: string, timeoutMs: number) => {
    const child = fork(script, [], {
        env: { ...process.env, [envName]: JSON.stringify(config) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    });
    try {
        const ready = await nextEvent<E, 'ready'>(child, 'ready', label, timeoutMs);
        return { child, ready };
    }
    catch (err) {
        child.kill();
        throw err;
    }
};

// Asks the child to stop, and kills it if it has not gone within 10 s.
export const stopChild = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode !== null) {
        return;
    }

    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.send({ type: 'stop' });
    const timer = setTimeout(() => child.kill(), 10_000);
    await exited;
    clearTimeout(timer);
};
