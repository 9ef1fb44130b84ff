// One crash-safety run (issue 5 item 6), shared by test/crash-safety.ts and
// scripts/crash-soak.js: the simulator and the demo host as child processes on
// real PostgreSQL, a group scaled to 20 (then 12, then 20 again), the host
// `kill -9`ed at seeded random moments and restarted on the same database,
// then left to converge. The run returns what it saw; crashViolations says
// what is wrong with it (an empty list: crash safe).
import knexFactory, { type Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { groupMetadataKey, intentMetadataKey } from '../../core/model/ledger';
import { DEMO } from '../../simulator/demo';
import { sleep, startHostProcess, startSimProcess, type HostProcess, type SimProcess } from './crash-procs';

export interface CrashOptions {
    readonly databaseUrl: string;      // the run keeps to a schema of its own in this database, dropped after
    readonly kills: number;
    readonly seed: number;
    readonly faults: boolean;          // false-negative 500 creates and 503 listings, re-armed in each life
    readonly settleTimeoutMs?: number; // after the last kill (default 60 s)
    // Instances of the same cluster beside the one killed (default 0): up the
    // whole run on the same database, never killed; each kill leaves the group
    // to them or to the restarted one, whichever gets its lapsed lease first.
    readonly bystanders?: number;
    readonly log?: (line: string) => void;
}

export const desiredHigh = 20;
export const desiredLow = 12;
export const maxEntities = 25;
const buildDelayMs = 200;
// Short enough that an intent whose create a kill prevented is retired within
// the run; far above the 200 ms build, so no healthy build ever times out.
const buildTimeoutS = 4;
const orphanGraceS = 2;
const tenant = DEMO.demoProject.id;

// mulberry32: the same kill moments for the same seed.
export const prng = (seed: number): (() => number) => {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
};

// The desired capacity decided at the start of a life, or null: a converge
// kick only. 20 first, then 12 and 20 by turns every other life, so that many
// kills land while servers are being created or deleted.
export const decisionAt = (life: number): number | null =>
    life % 2 === 1 ? null : life % 4 === 0 ? desiredHigh : desiredLow;

export interface ServerView {
    readonly id: string;
    readonly status: string;
    readonly taskState: string | null;
    readonly intentId: string | null;
}

export interface LedgerView {
    readonly intentId: string;
    readonly serverId: string | null;
    readonly state: string;
}

export interface CrashReport {
    readonly seed: number;
    readonly kills: number;
    readonly livesWithWrites: number;      // lives in which a create or delete reached Nova before the kill
    readonly desired: number;              // the last decision's
    readonly peakLive: number;             // most servers of the group (not being deleted) seen at once
    readonly peakSnapshot: readonly ServerView[];
    readonly converged: boolean;
    readonly settleMs: number;             // from the last restart to converged
    readonly stableAfterGrace: boolean;    // still the same servers once the orphan grace had passed
    readonly servers: readonly ServerView[];   // the group's servers in Nova at the end
    readonly ledger: readonly LedgerView[];    // the group's live ledger rows at the end
    readonly orphans: number;
    readonly state: { readonly desiredCapacity: unknown; readonly activeCapacity: unknown; readonly active: readonly string[] };
    readonly creates: number;              // creates Nova handled (answered 202, or 500 by a false-negative fault)
    readonly duplicateIntents: readonly string[];  // intent ids sent in more than one handled create
    readonly createFaults: number;
    readonly listFaults: number;
    readonly diagnostics: string;          // request log, ledger and activity: for a failure message
}

type Json = Record<string, unknown>;

const isJson = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const serverView = (raw: unknown): ServerView & { groupId: string | null } => {
    const s = isJson(raw) ? raw : {};
    const metadata = isJson(s.metadata) ? s.metadata : {};
    return { id: String(s.id), status: String(s.status), taskState: str(s.taskState), groupId: str(metadata[groupMetadataKey]), intentId: str(metadata[intentMetadataKey]) };
};

const isLive = (s: ServerView): boolean => s.taskState !== 'deleting' && s.status !== 'DELETED';

interface Logged {
    readonly method: string;
    readonly path: string;
    readonly status: number;
    readonly fault: string | null;
    readonly at: number;
    readonly intentId: string | null;
}

const loggedOf = (raw: unknown): Logged | null => {
    if (!isJson(raw) || raw.service !== 'compute') {
        return null;
    }

    const body = isJson(raw.body) && isJson(raw.body.server) ? raw.body.server : {};
    const metadata = isJson(body.metadata) ? body.metadata : {};
    return {
        method: String(raw.method), path: String(raw.path), status: Number(raw.status), fault: str(raw.fault),
        at: new Date(String(raw.at)).getTime(), intentId: str(metadata[intentMetadataKey])
    };
};

const isHandledCreate = (r: Logged): boolean => r.method === 'POST' && r.path === '/servers' && (r.status === 202 || (r.status === 500 && r.fault !== null));

export const runCrash = async (options: CrashOptions): Promise<CrashReport> => {
    const log = options.log ?? (() => undefined);
    const rand = prng(options.seed);
    const schema = `crash_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const url = new URL(options.databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    // A schema of its own: the host's sweep converges every group in its
    // database, and other tests' groups must neither be touched nor slow it.
    const admin = knexFactory({ client: 'pg', connection: options.databaseUrl, pool: { min: 0, max: 1 } });
    const cacheDir = mkdtempSync(join(tmpdir(), 'crash-ts-'));
    let db: Knex | null = null;
    let sim: SimProcess | null = null;
    let host: HostProcess | null = null;
    const bystanders: HostProcess[] = [];
    let monitoring = false;
    let monitor: Promise<void> = Promise.resolve();

    try {
        await admin.raw(`CREATE SCHEMA ${schema}`);
        db = knexFactory({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 2 } });
        const knex = db;
        const simulator = sim = await startSimProcess(buildDelayMs, cacheDir);
        const env: NodeJS.ProcessEnv = {
            OS_AUTH_URL: simulator.authUrl, OS_USERNAME: DEMO.serviceUser.name, OS_PASSWORD: DEMO.serviceUser.password,
            OS_PROJECT_NAME: DEMO.serviceProject.name, OS_PROJECT_DOMAIN_NAME: 'Default', OS_USER_DOMAIN_NAME: 'Default', OS_REGION_NAME: simulator.region,
            DATABASE_URL: url.toString(),
            AUTOSCALE_CONVERGE_INTERVAL_S: '1',       // the self-heal sweep picks the group up after each restart
            AUTOSCALE_BUILD_TIMEOUT_S: String(buildTimeoutS),
            AUTOSCALE_ORPHAN_GRACE_S: String(orphanGraceS),
            AUTOSCALE_LEASE_TTL_S: '1'               // a killed holder's lease lapses before the next host is up
        };

        const minted = await simulator.control('POST', '/tokens', { userName: DEMO.customer.name, projectId: tenant, expiresInS: 3600 });
        const token = String(isJson(minted.body) ? minted.body.token : '');
        const api = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
            if (!host) {
                throw new Error('no host is running');
            }

            const res = await request(`${host.uri}/autoscale/v1.0/${tenant}${path}`, {
                method,
                headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
                ...(body === undefined ? {} : { body: JSON.stringify(body) })
            });
            const text = await res.body.text();
            return { status: res.statusCode, body: text ? JSON.parse(text) as unknown : null };
        };

        const expectStatus = (res: { status: number; body: unknown }, status: number, what: string): Json => {
            if (res.status !== status) {
                throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
            }

            return isJson(res.body) ? res.body : {};
        };

        host = await startHostProcess(env, cacheDir);
        for (let i = 0; i < (options.bystanders ?? 0); i++) {
            bystanders.push(await startHostProcess(env, cacheDir));
        }

        const created = expectStatus(await api('POST', '/groups', {
            groupConfiguration: { name: 'crash', cooldown: 0, minEntities: 0, maxEntities, metadata: {} },
            launchConfiguration: { type: 'launch_server', args: { server: { name: 'crash', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: 'none' } } }
        }), 201, 'create group');
        const groupId = String(isJson(created.group) ? created.group.id : '');
        const policies = expectStatus(await api('POST', `/groups/${groupId}/policies`, [desiredHigh, desiredLow].map((n) => ({ name: `to-${n}`, cooldown: 0, type: 'webhook', desiredCapacity: n }))), 201, 'create policies');
        const policyIds = new Map(list(policies.policies).map((p, i) => [i === 0 ? desiredHigh : desiredLow, String(isJson(p) ? p.id : '')]));

        const ours = async (): Promise<ServerView[]> => {
            const res = await simulator.control('GET', `/servers?projectId=${tenant}`);
            return list(isJson(res.body) ? res.body.servers : []).map(serverView).filter((s) => s.groupId === groupId)
                .map(({ groupId: _groupId, ...s }) => s);
        };

        let peakLive = 0;
        let peakSnapshot: ServerView[] = [];
        monitoring = true;
        monitor = (async () => {
            while (monitoring) {
                // A failed poll is only a missed sample: the run's own calls report a dead simulator.
                const servers = await ours().catch(() => []);
                const live = servers.filter(isLive).length;
                if (live > peakLive) {
                    peakLive = live;
                    peakSnapshot = servers;
                }

                await sleep(100);
            }
        })();

        const armFaults = async (creates: number, listings: number): Promise<void> => {
            await simulator.control('DELETE', '/faults');
            // No rule at all for none: the simulator fires a rule with `times: 0` once.
            if (creates > 0) {
                await simulator.control('POST', '/faults', { service: 'compute', method: 'POST', path: '^/servers$', status: 500, passThrough: true, times: creates });
            }

            if (listings > 0) {
                await simulator.control('POST', '/faults', { service: 'compute', method: 'GET', path: '^/servers/detail$', status: 503, times: listings });
            }
        };

        let desired = 0;
        // A decision (which kicks the converger) or a bare converge request: either way the new host starts working now.
        const kick = async (decision: number | null): Promise<void> => {
            if (decision !== null && decision !== desired) {
                expectStatus(await api('POST', `/groups/${groupId}/policies/${policyIds.get(decision)}/execute`), 202, `execute to-${decision}`);
                desired = decision;
                return;
            }

            expectStatus(await api('POST', `/groups/${groupId}/converge`), 204, 'converge');
        };

        const lives: { start: number; kill: number }[] = [];
        for (let life = 0; life < options.kills; life++) {
            const current = host = host ?? await startHostProcess(env, cacheDir);

            if (options.faults) {
                // A failed listing holds the whole run, so only every third life gets one: the others reach the creates.
                await armFaults(2, life % 3 === 2 ? 1 : 0);
            }

            const start = Date.now();
            await kick(decisionAt(life));
            await sleep(100 + Math.floor(rand() * 500));
            await current.child.kill9();
            host = null;
            lives.push({ start, kill: Date.now() });
            log(`kill ${life + 1}/${options.kills} (desired ${desired})`);
        }

        // The last life: no more kills (one fault of each kind still), back to 20 if a decision left it lower.
        const restarted = Date.now();
        host = await startHostProcess(env, cacheDir);
        if (options.faults) {
            await armFaults(1, 1);
        }

        await kick(desiredHigh);

        const readLedger = async (): Promise<LedgerView[]> =>
            (await knex('servers').where({ group_id: groupId }).whereNot({ state: 'gone' }).orderBy('intent_id').select('intent_id', 'server_id', 'state') as { intent_id: string; server_id: string | null; state: string }[])
                .map((r) => ({ intentId: r.intent_id, serverId: r.server_id, state: r.state }));
        const readOrphans = async (): Promise<number> => Number((await knex('orphans').where({ group_id: groupId }).count({ n: '*' }))[0]?.n ?? 0);
        const isConverged = (servers: readonly ServerView[], ledger: readonly LedgerView[], orphans: number): boolean => {
            const ids = new Set(servers.map((s) => s.id));
            return servers.length === desired && servers.every((s) => s.status === 'ACTIVE' && s.taskState === null) &&
                ledger.length === desired && ledger.every((e) => e.state === 'active' && e.serverId !== null && ids.has(e.serverId)) && orphans === 0;
        };

        const settleBy = restarted + (options.settleTimeoutMs ?? 60_000);
        let converged = false;
        let settleMs = 0;
        while (!converged && Date.now() < settleBy) {
            converged = isConverged(await ours(), await readLedger(), await readOrphans());
            settleMs = Date.now() - restarted;
            if (!converged) {
                await sleep(250);
            }
        }

        log(converged ? `converged ${settleMs} ms after the last restart` : 'did not converge');
        let stableAfterGrace = false;
        if (converged) {
            // Anything left behind (a late create, an orphan) shows by now: the grace has passed and the sweep has run.
            const before = (await ours()).map((s) => s.id).sort().join();
            await sleep(orphanGraceS * 1000 + 2000);
            const servers = await ours();
            stableAfterGrace = isConverged(servers, await readLedger(), await readOrphans()) && servers.map((s) => s.id).sort().join() === before;
        }

        monitoring = false;
        await monitor;

        const servers = await ours();
        const ledger = await readLedger();
        const orphans = await readOrphans();
        const stateBody = expectStatus(await api('GET', `/groups/${groupId}/state`), 200, 'state');
        const group = isJson(stateBody.group) ? stateBody.group : {};
        const activity = expectStatus(await api('GET', `/groups/${groupId}/activity?limit=100`), 200, 'activity');

        const logRes = await simulator.control('GET', '/requests');
        const all = list(isJson(logRes.body) ? logRes.body.requests : []).flatMap((r) => {
            const l = loggedOf(r);
            return l ? [l] : [];
        });

        const handled = all.filter(isHandledCreate);
        const perIntent = new Map<string, number>();
        for (const r of handled) {
            perIntent.set(String(r.intentId), (perIntent.get(String(r.intentId)) ?? 0) + 1);
        }

        const describe = (r: Logged) => `${new Date(r.at).toISOString()} ${r.method} ${r.path} ${r.status}${r.fault ? ' (fault)' : ''}${r.intentId ? ` intent ${r.intentId}` : ''}`;
        const diagnostics = [
            `lives (start..kill): ${lives.map((l) => `${new Date(l.start).toISOString()}..${new Date(l.kill).toISOString()}`).join(', ')}`,
            `last restart: ${new Date(restarted).toISOString()}`,
            'compute requests (last 60):', ...all.slice(-60).map(describe),
            'ledger:', ...ledger.map((e) => `${e.intentId} ${e.serverId} ${e.state}`),
            'servers:', ...servers.map((s) => `${s.id} ${s.status} ${s.taskState ?? ''} intent ${s.intentId}`),
            'activity (newest first):', ...list(activity.activity).slice(0, 60).map((a) => (isJson(a) ? `${a.kind}:${a.reason} ${a.message}` : '')),
            'host output:', host.child.output().slice(-2000),
            ...bystanders.flatMap((b, i) => [`bystander ${i + 1} output:`, b.child.output().slice(-1000)])
        ].join('\n');

        return {
            seed: options.seed,
            kills: lives.length,
            livesWithWrites: lives.filter((l) => all.some((r) => (r.method === 'POST' || r.method === 'DELETE') && r.at >= l.start && r.at <= l.kill)).length,
            desired,
            peakLive,
            peakSnapshot,
            converged,
            settleMs,
            stableAfterGrace,
            servers,
            ledger,
            orphans,
            state: { desiredCapacity: group.desiredCapacity, activeCapacity: group.activeCapacity, active: list(group.active).map((a) => String(isJson(a) ? a.id : '')) },
            creates: handled.length,
            duplicateIntents: [...perIntent].filter(([, n]) => n > 1).map(([id]) => id),
            createFaults: all.filter((r) => r.method === 'POST' && r.path === '/servers' && r.status === 500 && r.fault !== null).length,
            listFaults: all.filter((r) => r.method === 'GET' && r.path === '/servers/detail' && r.status === 503).length,
            diagnostics
        };
    }
    finally {
        monitoring = false;
        await monitor.catch(() => undefined);
        await host?.child.kill9();
        await Promise.all(bystanders.map((b) => b.child.stop()));
        await sim?.child.stop();
        await db?.destroy();
        await admin.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
        await admin.destroy();
        rmSync(cacheDir, { recursive: true, force: true });
    }
};

// What makes a run not crash safe; empty: it was.
export const crashViolations = (r: CrashReport): string[] => {
    const out: string[] = [];
    const ids = r.servers.map((s) => s.id);
    const intents = r.servers.map((s) => s.intentId);
    const ledgerIntents = new Map(r.ledger.map((e) => [e.intentId, e]));
    if (!r.converged) {
        out.push(`did not converge to ${r.desired} servers within the settle time`);
    }

    if (r.converged && !r.stableAfterGrace) {
        out.push('the servers changed after convergence (a late create, a delete, or an orphan)');
    }

    if (r.servers.length !== r.desired) {
        out.push(`${r.servers.length} servers of the group in Nova, desired ${r.desired}`);
    }

    if (r.peakLive > desiredHigh) {
        out.push(`overshoot: ${r.peakLive} servers of the group at once, never more than ${desiredHigh} were wanted`);
    }

    const unowned = r.servers.filter((s) => s.intentId === null || ledgerIntents.get(s.intentId)?.serverId !== s.id);
    if (unowned.length > 0) {
        out.push(`servers not in the ledger under their intent id: ${unowned.map((s) => `${s.id} (intent ${s.intentId})`).join(', ')}`);
    }

    if (new Set(intents).size !== intents.length) {
        out.push('two servers carry one intent id');
    }

    if (r.duplicateIntents.length > 0) {
        out.push(`intents created more than once: ${r.duplicateIntents.join(', ')}`);
    }

    if (r.orphans !== 0) {
        out.push(`${r.orphans} orphans left after the grace period`);
    }

    if (r.state.desiredCapacity !== r.desired || r.state.activeCapacity !== r.desired || [...r.state.active].sort().join() !== [...ids].sort().join()) {
        out.push(`group state ${JSON.stringify(r.state)} does not match Nova`);
    }

    return out;
};
