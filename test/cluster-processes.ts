// Many plugin instances on one PostgreSQL (contract §9, issue 11), as
// separate processes: three demo hosts and the simulator, each compute
// request in the simulator's log named by the instance that sent it (its
// User-Agent) and by its group (a project each).
//
// (a) 20 groups scale from 0 to 5 through triggers sent round-robin to the
//     three hosts, and one host is killed -9 mid-way: its groups go on
//     elsewhere within the lease TTL + 5 s, exactly 100 servers result, no two
//     runs of a group overlap, and the cluster keeps to one creation budget.
// (b) A Retry-After one instance meets holds every instance's compute calls
//     to the region until it has passed (the holds are read at most a second late).
//
// PostgreSQL only: the embedded database is for one process.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DEFAULT_CREATE_BUDGET } from '../adapters/guard/budget';
import { limiter } from '../core/engine/limiter';
import { busiestSecond, computeCalls, isCreate, overlappingCreates, projectsWithInterleavedCreates, rateAfterFirstSecond, type ComputeCall } from './support/cluster-log';
import { startCluster, waitFor, type ClusterHost, type ClusterRig, type Tenant } from './support/cluster-rig';
import { sleep } from './support/crash-procs';
import { scratchDatabase } from './support/database';
import { DEMO } from '../simulator/demo';
import { arr, obj } from './simulator/helpers';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

// A short lease TTL keeps the test short: a killed instance's groups are
// free after it, and a dead instance leaves the list after it too.
const TTL_S = 6;
const HOSTS = 3;
const GROUPS = 20;
const STEPS = 5;                          // +1 policies per group: 0 → 5
const BUILD_DELAY_MS = 1000;              // Nova's builds, so the scale-up is spread over time
const RETRY_AFTER_S = 20;
const HOLDS_READ_MS = 1000;               // how late an instance may learn of another's hold (contract §9)
// The demo host passes no creation budget: the plugin's default.
const { createsPerS, burst } = DEFAULT_CREATE_BUDGET;
// The budget is taken on the instances' clocks and the log is written as
// creates arrive; between the two, a statement that may wait on the budget
// row's lock and the HTTP request. On a loaded machine that varies by up to
// this much, so a window of the log may hold that many seconds' refill more
// than one of the budget (21 creates in a row were seen to take 1.06 s, the
// budget's own least being 1.1 s). Per-process budgets would show 60.
const ARRIVAL_SPREAD_S = 0.2;

interface Group {
    readonly tenant: Tenant;
    readonly id: string;
    readonly policies: readonly string[];  // up-1 … up-5, each a change of +1
}

const url = process.env.DATABASE_URL;
const skip = !url;

describe(skip ? 'a cluster of processes on one PostgreSQL (skipped: needs PostgreSQL, DATABASE_URL unset)' : 'a cluster of processes on one PostgreSQL', { skip }, () => {
    let scratch: Awaited<ReturnType<typeof scratchDatabase>> | null = null;
    let rig: ClusterRig | null = null;
    const groups: Group[] = [];
    const verbose = (what: string, measures: Record<string, unknown>): void => {
        if (process.env.CLUSTER_VERBOSE) {
            console.log(`${what}: ${JSON.stringify(measures)}`);
        }
    };

    const cluster = (): ClusterRig => {
        if (rig === null) {
            throw new Error('the cluster did not start');
        }

        return rig;
    };

    const live = (): ClusterHost[] => cluster().hosts.filter((h) => h.process.child.alive());
    const groupPath = (g: Group): string => `/v1.0/${g.tenant.projectId}/groups/${g.id}`;
    const trigger = (host: ClusterHost, g: Group, step: number): Promise<unknown> =>
        cluster().call(host, 'POST', `${groupPath(g)}/policies/${g.policies[step]}/execute`, g.tenant.token, undefined, 202);

    const calls = async (): Promise<ComputeCall[]> => computeCalls(await cluster().requests(), cluster().hosts.map((h) => h.instance));

    // Every group at `desired` in Nova (ACTIVE) and in its state, read through a live host.
    const converged = async (chosen: readonly Group[], desired: (g: Group) => number): Promise<boolean> => {
        const servers = await cluster().servers();
        for (const g of chosen) {
            const own = servers.filter((s) => s.groupId === g.id);
            if (own.length !== desired(g) || own.some((s) => s.status !== 'ACTIVE')) {
                return false;
            }
        }

        const host = live()[0] as ClusterHost;
        for (const g of chosen) {
            const state = obj(obj(await cluster().call(host, 'GET', `${groupPath(g)}/state`, g.tenant.token)).group);
            if (state.desiredCapacity !== desired(g) || state.activeCapacity !== desired(g) || state.pendingCapacity !== 0) {
                return false;
            }
        }

        return true;
    };

    // Servers per group and their statuses, and the hosts' last words: why a wait ran out.
    const seen = async (): Promise<string> => {
        const servers = await cluster().servers();
        const perGroup = groups.map((g) => servers.filter((s) => s.groupId === g.id).map((s) => s.status[0]).join(''));
        return `${JSON.stringify(perGroup)}\n${cluster().hosts.map((h) => `${h.instance}:\n${h.process.child.output().slice(-1500)}`).join('\n')}`;
    };

    before({ timeout: 120_000 }, async () => {
        scratch = await scratchDatabase();
        rig = await startCluster({
            databaseUrl: String(scratch.url), knex: scratch.db.knex, buildDelayMs: BUILD_DELAY_MS, tenants: GROUPS,
            env: {
                AUTOSCALE_LEASE_TTL_S: String(TTL_S),
                // The self-heal sweep at its default (300 s) comes too late to help: what a killed
                // instance was only waiting on (no lease held) is taken up by its watch (contract §9).
                // An intent a kill left before its create was sent is retired within the run; builds take 1 s.
                AUTOSCALE_BUILD_TIMEOUT_S: '10'
            }
        });
        await rig.startHosts(HOSTS);
    });

    after({ timeout: 60_000 }, async () => {
        await rig?.close();
        await scratch?.drop();
    });

    it('goes on without a killed instance: its groups elsewhere within TTL + 5 s, exactly 100 servers, no two runs of a group at once, one creation budget', { timeout: 240_000 }, async () => {
        const rig = cluster();
        const hosts = live();
        for (const [i, tenant] of rig.tenants.entries()) {
            const created = obj(obj(await rig.call(hosts[i % HOSTS] as ClusterHost, 'POST', `/v1.0/${tenant.projectId}/groups`, tenant.token, {
                groupConfiguration: { name: `cluster-${i}`, cooldown: 0, minEntities: 0, maxEntities: 10 },
                launchConfiguration: { type: 'launch_server', args: { server: { name: `cl${i}`, flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: 'none' } } },
                // A policy per step: triggers of one policy within the debounce window would coalesce.
                scalingPolicies: Array.from({ length: STEPS }, (_, s) => ({ name: `up-${s + 1}`, cooldown: 0, type: 'webhook', change: 1 }))
            }, 201)).group);
            groups.push({ tenant, id: String(created.id), policies: arr(created.scalingPolicies).map((p) => String(obj(p).id)) });
        }

        // Round-robin over the hosts, a step of every group before the next step of any.
        const started = Date.now();
        const sending = limiter(8);
        await Promise.all(Array.from({ length: GROUPS * STEPS }, (_, k) =>
            sending(() => trigger(hosts[k % HOSTS] as ClusterHost, groups[k % GROUPS] as Group, Math.floor(k / GROUPS)))));
        const triggeredMs = Date.now() - started;

        // Mid-way: a third of the servers made, and an instance holding leases; the one holding most is killed.
        const total = GROUPS * STEPS;
        const pick = await waitFor('a third of the servers, and an instance holding leases', 60_000, async () => {
            const made = (await rig.servers()).length;
            const leases = await rig.leases();
            const [instance, held] = [...leases].filter(([id]) => hosts.some((h) => h.instance === id)).sort((x, y) => y[1].length - x[1].length)[0] ?? ['', []];
            return made >= Math.ceil(total / 3) && held.length > 0 ? { instance, made } : null;
        }, 50);
        const victim = hosts.find((h) => h.instance === pick.instance) as ClusterHost;
        const killedAt = Date.now();
        await victim.process.child.kill9();
        // What it held when it died: its lease rows outlive it, until they lapse or are taken.
        const held = (await rig.leases()).get(victim.instance) ?? [];
        expect(held.length, 'the killed instance held no lease').to.be.above(0);

        await waitFor('every group at 5 servers', 120_000, async () => (await converged(groups, () => STEPS) ? true : null), 500, seen);
        const convergedMs = Date.now() - killedAt;

        const all = (await calls()).filter((c) => c.at >= started);
        const projectOf = new Map(groups.map((g) => [g.id, g.tenant.projectId]));

        // (1) The groups the killed instance held go on elsewhere within TTL + 5 s: the next create from
        // another instance, for a group with creates still to make (a listing alone may be another
        // instance's sweep looking, which needs no lease), else its next compute call.
        const takeovers = held.map((groupId) => {
            const project = projectOf.get(groupId);
            const createsLeft = all.filter((c) => c.projectId === project && isCreate(c) && c.status === 202 && c.at < killedAt).length < STEPS;
            const next = all.find((c) => c.projectId === project && c.at >= killedAt && c.instance !== victim.instance && (!createsLeft || isCreate(c)));
            return { groupId, createsLeft, afterMs: next === undefined ? Infinity : next.at - killedAt };
        });
        expect(takeovers.some((t) => t.createsLeft), 'no group the killed instance held had creates left').to.be.true();
        for (const t of takeovers) {
            expect(t.afterMs, `group ${t.groupId} of the killed instance`).to.be.at.most((TTL_S + 5) * 1000);
        }

        // Its groups it held no lease of (between runs, waiting on builds or the budget), with creates
        // still to make, went on elsewhere within TTL + 5 s too: another instance took up its watch.
        const waitingOn = groups.filter((g) => !held.includes(g.id) && [...all].reverse().find((c) => c.projectId === g.tenant.projectId && c.at < killedAt)?.instance === victim.instance);
        const resumed = waitingOn.map((g) => (all.find((c) => c.projectId === g.tenant.projectId && c.at >= killedAt && c.instance !== victim.instance)?.at ?? Infinity) - killedAt);
        waitingOn.forEach((g, i) => {
            const createsLeft = all.filter((c) => c.projectId === g.tenant.projectId && isCreate(c) && c.status === 202 && c.at < killedAt).length < STEPS;
            if (createsLeft) {
                expect(resumed[i], `group ${g.id}, which the killed instance was waiting on`).to.be.at.most((TTL_S + 5) * 1000);
            }
        });

        // (2) Exactly 100 servers, each of its own intent, each of one of the 20 groups in that group's project.
        const servers = await rig.servers();
        expect(servers).to.have.length(total);
        expect(new Set(servers.map((s) => s.intentId)).size).to.equal(total);
        expect(servers.every((s) => s.intentId !== null && s.groupId !== null && projectOf.get(s.groupId) === s.projectId)).to.be.true();
        for (const g of groups) {
            expect(servers.filter((s) => s.groupId === g.id), `group ${g.id}`).to.have.length(STEPS);
        }

        // (3) No two runs of a group at once.
        const overlapping = overlappingCreates(all);
        expect(overlapping.map((c) => `${c.projectId} ${c.instance} #${c.seq}`)).to.equal([]);

        // (4) The cluster's creates per second: one budget, whichever instance sends.
        const creates = all.filter((c) => isCreate(c) && c.status === 202);
        expect(new Set(creates.map((c) => c.intentId)).size).to.equal(creates.length);
        const times = creates.map((c) => c.at);
        const busiest = busiestSecond(times);
        const rate = rateAfterFirstSecond(times);
        expect(busiest).to.be.at.most(createsPerS + burst + Math.ceil(createsPerS * ARRIVAL_SPREAD_S));
        expect(rate).to.be.at.most(createsPerS * 1.05);

        verbose('kill', {
            triggeredMs, killedAfterS: (killedAt - started) / 1000, victim: victim.instance.slice(0, 8), serversAtKill: pick.made, held: held.length,
            takeoverS: takeovers.map((t) => `${t.afterMs / 1000}${t.createsLeft ? ' create' : ''}`),
            waitingOnResumedS: resumed.map((ms) => ms / 1000), convergedAfterKillS: convergedMs / 1000,
            creates: creates.length, busiestSecond: busiest,
            // How close a 21st create came to the same second: the least time 21 creates in a row took.
            tightest21Ms: Math.min(...[...times].sort((x, y) => x - y).map((x, i, all) => (all[i + createsPerS + burst] ?? Infinity) - x)), ratePerS: Math.round(rate * 100) / 100,
            createsBy: Object.fromEntries(hosts.map((h) => [h.instance.slice(0, 8), creates.filter((c) => c.instance === h.instance).length])),
            groupsMovedBetweenInstances: projectsWithInterleavedCreates(all).length,
            perSecond: Array.from({ length: Math.ceil(((times[times.length - 1] ?? started) - started) / 1000) + 1 }, (_, i) => times.filter((x) => Math.floor((x - started) / 1000) === i).length)
        });
    });

    it(`holds every instance's compute calls for a Retry-After: ${RETRY_AFTER_S} one of them met`, { timeout: 180_000 }, async () => {
        const rig = cluster();
        expect(groups, 'the groups of the test before').to.have.length(GROUPS);
        await rig.startHosts(HOSTS - live().length);
        const hosts = live();
        const ids = hosts.map((h) => h.instance).sort();
        // The three, and the killed one no longer listed: idle and converged.
        await waitFor('the three instances listed', (TTL_S + 10) * 1000, async () => {
            const listed = arr(obj(await rig.call(hosts[0] as ClusterHost, 'GET', '/admin/instances', rig.adminToken)).instances).map((i) => String(obj(i).id)).sort();
            return listed.join() === ids.join() ? true : null;
        }, 250);
        await waitFor('every group at 5 servers', 60_000, async () => (await converged(groups, () => STEPS) ? true : null), 500, seen);

        const fault = String(obj((await rig.sim.control('POST', '/faults', {
            service: 'compute', method: 'POST', path: '^/servers$', status: 503, headers: { 'Retry-After': String(RETRY_AFTER_S) }, times: 1
        })).body).id);
        const [first, second, third] = groups as [Group, Group, Group];
        await trigger(hosts[0] as ClusterHost, first, 0);
        const met = await waitFor('the 503', 30_000, async () => (await calls()).find((c) => c.fault === fault) ?? null, 50);
        const t = met.at;
        // A second or two later, through the two others: their groups wait for the hold as well.
        await sleep(Math.max(0, t + 1500 - Date.now()));
        const others = hosts.filter((h) => h.instance !== met.instance);
        await trigger(others[0] as ClusterHost, second, 0);
        await trigger(others[1] as ClusterHost, third, 0);
        const scaled = new Set([first.id, second.id, third.id]);
        await waitFor('the three groups at 6 servers', (RETRY_AFTER_S + 60) * 1000, async () =>
            (await converged(groups, (g) => (scaled.has(g.id) ? STEPS + 1 : STEPS)) ? true : null), 500, seen);

        const after = (await calls()).filter((c) => c.at > t);
        const quiet = after.filter((c) => c.at > t + HOLDS_READ_MS && c.at < t + RETRY_AFTER_S * 1000);
        expect(quiet.map((c) => `${c.at - t} ms ${c.method} ${c.path} ${c.instance}`)).to.equal([]);
        const resumed = after.filter((c) => c.at >= t + RETRY_AFTER_S * 1000);
        const newCreates = resumed.filter((c) => isCreate(c) && c.status === 202);
        expect(new Set(newCreates.map((c) => c.projectId))).to.equal(new Set([first.tenant.projectId, second.tenant.projectId, third.tenant.projectId]));

        verbose('retry-after', {
            metBy: met.instance.slice(0, 8), triggeredBy: hosts[0]?.instance.slice(0, 8),
            lastWithinReadMs: Math.max(0, ...after.filter((c) => c.at <= t + HOLDS_READ_MS).map((c) => c.at - t)),
            firstAfterS: ((resumed[0]?.at ?? Infinity) - t) / 1000,
            quietS: ((resumed[0]?.at ?? Infinity) - Math.max(t, ...after.filter((c) => c.at <= t + HOLDS_READ_MS).map((c) => c.at))) / 1000,
            resumedBy: [...new Set(resumed.slice(0, 20).map((c) => c.instance.slice(0, 8)))]
        });
    });
});
