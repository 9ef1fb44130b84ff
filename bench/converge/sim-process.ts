// The simulator in a process of its own (dist/simulator/main.js), driven over
// /_sim: Nova is another machine in production, so a benchmark that times the
// plugin against its listings should not share the plugin's one thread with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as Path from 'node:path';
import type { RequestLogEntry } from '../../simulator';
import { simControl, type ControlMethod } from '../../simulator/control/client';

export interface SimProcess {
    readonly authUrl: string;
    readonly region: string;
    control<T>(method: ControlMethod, path: string, body?: unknown): Promise<T>;
    requests(): Promise<readonly RequestLogEntry[]>;
    // The answered requests, taken out of the log (a long run reads it a page at a time).
    drainRequests(): Promise<readonly RequestLogEntry[]>;
    clearRequests(): Promise<void>;
    stop(): Promise<void>;
}

const firstLine = (child: ChildProcess): Promise<string> => new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const end = out.indexOf('\n');
        if (end >= 0) {
            child.stdout?.off('data', onData);
            resolve(out.slice(0, end));
        }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the simulator exited (${String(code)}) before it was ready`)));
});

// Over JSON a request's time is a string: made a Date again, as the type says.
const revived = (log: readonly RequestLogEntry[]): RequestLogEntry[] => log.map((r) => ({ ...r, at: new Date(r.at) }));

// Zero build time unless asked: the time-to-in-service bench wants Nova's build delay.
export const startSimProcess = async (options: { readonly buildDelayMs?: number } = {}): Promise<SimProcess> => {
    const child = spawn(process.execPath, [Path.join(__dirname, '..', '..', 'simulator', 'main.js')], {
        env: { ...process.env, PORT: '0', SIM_BUILD_DELAY_MS: String(options.buildDelayMs ?? 0) }, stdio: ['ignore', 'pipe', 'inherit']
    });
    const urls = JSON.parse(await firstLine(child)) as { authUrl: string; controlUrl: string; region: string };
    const raw = simControl(urls.controlUrl);
    const control = async <T>(method: ControlMethod, path: string, body?: unknown): Promise<T> => {
        const res = await raw(method, path, body);
        if (res.status >= 300) {
            throw new Error(`/_sim${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        }

        return res.body as T;
    };
    return {
        authUrl: urls.authUrl,
        region: urls.region,
        control,
        requests: async () => revived((await control<{ requests: RequestLogEntry[] }>('GET', '/requests')).requests),
        drainRequests: async () => revived((await control<{ requests: RequestLogEntry[] }>('POST', '/requests/drain')).requests),
        clearRequests: () => control('DELETE', '/requests'),
        stop: async () => {
            if (child.exitCode === null) {
                const exited = once(child, 'exit');
                child.kill('SIGTERM');
                await exited;
            }
        }
    };
};
