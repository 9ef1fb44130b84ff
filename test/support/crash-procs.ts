// Child processes for the crash-safety test: the simulator (simulator/main.ts)
// and the demo host (examples/demo-host.ts), each run from TypeScript as
// `node -r test/support/ts-register.js file.ts` with nothing but the env given.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { request } from 'undici';
import { simControl, type SimControl } from '../../simulator/control/client';

const root = join(__dirname, '..', '..');

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Child {
    readonly pid: number;
    output(): string;                       // stdout + stderr so far (the last 64 KB)
    alive(): boolean;
    kill9(): Promise<void>;                 // SIGKILL, resolved once it has exited
    stop(): Promise<void>;                  // SIGTERM, SIGKILL after 5 s
}

const spawnTs = (script: string, env: NodeJS.ProcessEnv, cacheDir: string | null): Child => {
    const preload = ['-r', join(root, 'test/support/ts-register.js'), ...(cacheDir ? ['-r', join(root, 'test/support/crash-ts-cache.ts')] : [])];
    const proc: ChildProcess = spawn(process.execPath, [...preload, join(root, script)], {
        cwd: root,
        env: { PATH: process.env.PATH, ...(cacheDir ? { CRASH_TS_CACHE: cacheDir } : {}), ...env },
        stdio: ['ignore', 'pipe', 'pipe']
    });
    let out = '';
    let exited = false;
    const exit = new Promise<void>((resolve) => proc.once('exit', () => {
        exited = true;
        resolve();
    }));
    const take = (chunk: Buffer) => {
        out = (out + chunk.toString()).slice(-65_536);
    };

    proc.stdout?.on('data', take);
    proc.stderr?.on('data', take);
    const signal = async (sig: NodeJS.Signals, graceMs: number): Promise<void> => {
        if (!exited) {
            proc.kill(sig);
            if (graceMs > 0 && await Promise.race([exit.then(() => true), sleep(graceMs).then(() => false)])) {
                return;
            }

            proc.kill('SIGKILL');
        }

        await exit;
    };

    return {
        pid: proc.pid ?? -1,
        output: () => out,
        alive: () => !exited,
        kill9: () => signal('SIGKILL', 0),
        stop: () => signal('SIGTERM', 5000)
    };
};

// Waits for a line the child prints; throws with its output if it exits or takes too long.
const awaitOutput = async (child: Child, pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> => {
    const started = Date.now();
    for (;;) {
        const match = pattern.exec(child.output());
        if (match) {
            return match;
        }

        if (!child.alive() || Date.now() - started > timeoutMs) {
            await child.kill9();
            throw new Error(`${what} did not start (${child.alive() ? 'timeout' : 'exited'}):\n${child.output()}`);
        }

        await sleep(25);
    }
};

export interface SimProcess {
    readonly child: Child;
    readonly authUrl: string;
    readonly controlUrl: string;
    readonly region: string;
    // /_sim: a JSON call, answered with its status and parsed body (null when empty).
    control: SimControl;
}

export const startSimProcess = async (buildDelayMs: number, cacheDir: string | null): Promise<SimProcess> => {
    const child = spawnTs('simulator/main.ts', { PORT: '0', SIM_BUILD_DELAY_MS: String(buildDelayMs) }, cacheDir);
    const line = await awaitOutput(child, /^\{.*\}$/m, 30_000, 'the simulator');
    const urls = JSON.parse(line[0]) as { authUrl: string; controlUrl: string; region: string };
    return {
        child, authUrl: urls.authUrl, controlUrl: urls.controlUrl, region: urls.region,
        control: simControl(urls.controlUrl)
    };
};

export interface HostProcess {
    readonly child: Child;
    readonly uri: string;                   // http://127.0.0.1:port
}

export const startHostProcess = async (env: NodeJS.ProcessEnv, cacheDir: string | null): Promise<HostProcess> => {
    const child = spawnTs('examples/demo-host.ts', { HOST: '127.0.0.1', PORT: '0', ...env }, cacheDir);
    try {
        const uri = String((await awaitOutput(child, /listening on (http:\/\/\S+)/, 30_000, 'the demo host'))[1]);
        const health = await request(`${uri}/autoscale/health`);
        await health.body.dump();
        if (health.statusCode !== 200) {
            throw new Error(`the demo host answered /health with ${health.statusCode}:\n${child.output()}`);
        }

        return { child, uri };
    }
    catch (err) {
        await child.kill9();
        throw err;
    }
};
