// A cluster as separate processes (contract §9, issue 11): the simulator in
// a process of its own and demo hosts (examples/demo-host.ts) on one
// PostgreSQL database, started and killed as test/support/crash-procs.ts
// does. Each group gets a project of its own, so that every compute request
// in the simulator's log, a listing too, names the group it was for.
import type { Knex } from 'knex';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { groupMetadataKey, intentMetadataKey } from '../../core/model/ledger';
import { DEMO } from '../../simulator/demo';
import type { LoggedRequest } from './cluster-log';
import { sleep, startHostProcess, startSimProcess, type HostProcess, type SimProcess } from './crash-procs';
import { arr, obj } from '../simulator/helpers';

export interface ClusterHost {
    readonly process: HostProcess;
    readonly instance: string;             // its plugin instance's id, as GET /admin/instances lists it
}

export interface Tenant {
    readonly projectId: string;
    readonly token: string;                // alice's, scoped to the project
}

export interface SimServerView {
    readonly id: string;
    readonly projectId: string;
    readonly status: string;
    readonly groupId: string | null;
    readonly intentId: string | null;
}

export interface Answer {
    readonly status: number;
    readonly body: unknown;
}

export interface ClusterRig {
    readonly sim: SimProcess;
    readonly hosts: ClusterHost[];         // every host started, killed ones too, in order
    readonly tenants: readonly Tenant[];
    readonly adminToken: string;           // the demo operator's: admin on the admin project
    startHosts(n: number): Promise<ClusterHost[]>;
    // A call to a host's /autoscale routes; a status other than `expect` throws with the body.
    call(host: ClusterHost, method: 'GET' | 'POST', path: string, token: string, body?: unknown, expect?: number): Promise<unknown>;
    requests(): Promise<LoggedRequest[]>;
    servers(): Promise<SimServerView[]>;
    // The group leases in force, by holder instance (a holder is `${instance}/${run}`).
    leases(): Promise<Map<string, string[]>>;
    close(): Promise<void>;
}

export interface ClusterOptions {
    readonly databaseUrl: string;
    readonly knex: Knex;                   // on the same database, for the leases
    readonly buildDelayMs: number;
    readonly tenants: number;
    readonly env: NodeJS.ProcessEnv;       // the hosts' AUTOSCALE_* settings
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const serverView = (raw: unknown): SimServerView => {
    const s = obj(raw);
    const metadata = obj(s.metadata ?? {});
    return { id: String(s.id), projectId: String(s.projectId), status: String(s.status), groupId: str(metadata[groupMetadataKey]), intentId: str(metadata[intentMetadataKey]) };
};

export const startCluster = async (options: ClusterOptions): Promise<ClusterRig> => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'cluster-ts-'));
    const hosts: ClusterHost[] = [];
    let sim: SimProcess | null = null;
    try {
        const simulator = sim = await startSimProcess(options.buildDelayMs, cacheDir);
        const control = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
            const res = await simulator.control(method, path, body);
            if (res.status >= 300) {
                throw new Error(`/_sim${path}: ${res.status} ${JSON.stringify(res.body)}`);
            }

            return res.body;
        };

        const tokenFor = async (userName: string, projectId: string): Promise<string> =>
            String(obj(await control('POST', '/tokens', { userName, projectId, expiresInS: 3600 })).token);

        const tenants: Tenant[] = [];
        for (let i = 0; i < options.tenants; i++) {
            const projectId = `cluster-${String(i).padStart(2, '0')}`;
            await control('POST', '/projects', { id: projectId, name: projectId });
            // The service account works in a customer's project as a member, as in the demo's own.
            await control('POST', '/grants', { userName: DEMO.serviceUser.name, projectId, role: 'member' });
            await control('POST', '/grants', { userName: DEMO.customer.name, projectId, role: 'member' });
            tenants.push({ projectId, token: await tokenFor(DEMO.customer.name, projectId) });
        }

        const adminToken = await tokenFor(DEMO.operator.name, DEMO.adminProject.id);
        const env: NodeJS.ProcessEnv = {
            OS_AUTH_URL: simulator.authUrl, OS_USERNAME: DEMO.serviceUser.name, OS_PASSWORD: DEMO.serviceUser.password,
            OS_PROJECT_NAME: DEMO.serviceProject.name, OS_PROJECT_DOMAIN_NAME: 'Default', OS_USER_DOMAIN_NAME: 'Default', OS_REGION_NAME: simulator.region,
            DATABASE_URL: options.databaseUrl,
            ...options.env
        };

        const call = async (host: ClusterHost | HostProcess, method: 'GET' | 'POST', path: string, token: string, body?: unknown, expect = 200): Promise<unknown> => {
            const uri = 'uri' in host ? host.uri : host.process.uri;
            const res = await request(`${uri}/autoscale${path}`, {
                method,
                headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
                ...(body === undefined ? {} : { body: JSON.stringify(body) })
            });
            const text = await res.body.text();
            const parsed: unknown = text ? JSON.parse(text) : null;
            if (res.statusCode !== expect) {
                throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
            }

            return parsed;
        };

        // Its instance id: the one GET /admin/instances lists with its pid (registered before it listens).
        const instanceOf = async (process: HostProcess): Promise<string> => {
            const listed = arr(obj(await call(process, 'GET', '/admin/instances', adminToken)).instances).map(obj);
            const own = listed.find((i) => i.pid === process.child.pid);
            if (own === undefined) {
                throw new Error(`host ${process.uri} (pid ${process.child.pid}) is not among the instances ${JSON.stringify(listed)}`);
            }

            return String(own.id);
        };

        const startHosts = async (n: number): Promise<ClusterHost[]> => {
            const started = await Promise.allSettled(Array.from({ length: n }, () => startHostProcess(env, cacheDir)));
            const up = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
            const failed = started.find((s) => s.status === 'rejected');
            if (failed !== undefined) {
                await Promise.all(up.map((p) => p.child.stop()));
                throw (failed as PromiseRejectedResult).reason;
            }

            const made: ClusterHost[] = [];
            for (const p of up) {
                const host = { process: p, instance: await instanceOf(p) };
                hosts.push(host);
                made.push(host);
            }

            return made;
        };

        return {
            sim: simulator,
            hosts,
            tenants,
            adminToken,
            startHosts,
            call: (host, method, path, token, body, expect) => call(host, method, path, token, body, expect),
            requests: async () => arr(obj(await control('GET', '/requests')).requests) as LoggedRequest[],
            servers: async () => arr(obj(await control('GET', '/servers')).servers).map(serverView),
            leases: async () => {
                const rows: { holder: string; group_id: string }[] = await options.knex('group_leases').where('expires_at', '>', new Date()).select('holder', 'group_id');
                const byInstance = new Map<string, string[]>();
                for (const row of rows) {
                    const instance = row.holder.split('/')[0] ?? row.holder;
                    byInstance.set(instance, [...byInstance.get(instance) ?? [], row.group_id]);
                }

                return byInstance;
            },
            close: async () => {
                await Promise.all(hosts.map((h) => h.process.child.stop()));
                await simulator.child.stop();
                rmSync(cacheDir, { recursive: true, force: true });
            }
        };
    }
    catch (err) {
        await Promise.all(hosts.map((h) => h.process.child.stop()));
        await sim?.child.stop();
        rmSync(cacheDir, { recursive: true, force: true });
        throw err;
    }
};

// Polls `check` until it answers something other than null, or throws with
// `what` (and `detail()`, what was seen) after `timeoutMs`.
export const waitFor = async <T>(what: string, timeoutMs: number, check: () => Promise<T | null>, everyMs = 100, detail?: () => Promise<string>): Promise<T> => {
    const until = Date.now() + timeoutMs;
    for (; ;) {
        const value = await check();
        if (value !== null) {
            return value;
        }

        if (Date.now() > until) {
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `: ${await detail()}` : ''}`);
        }

        await sleep(everyMs);
    }
};
