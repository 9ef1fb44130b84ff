// The planner driven tick by tick against a small simulated Nova, with
// scripted faults: an ERROR build, a lost create answer, a create that never
// happened, a stuck BUILD, an out-of-band delete, a failing listing, foreign
// and orphan servers, a kill-switch, a pause. Every tick: list → plan →
// check the invariants → apply → advance the clock. The log of counts and
// steps per tick is compared with test/core/converge/golden/simulation.log
// (UPDATE_GOLDEN=1 rewrites it; read the diff before committing it).
import * as Fs from 'node:fs';
import * as Path from 'node:path';
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type { LedgerEntry } from '../../../core/model/ledger';
import { ledgerEntry } from '../../support/fake-convergence';
import { planConvergence, type OrphanReport, type Plan, type PlanInput } from '../../../core/converge/plan';
import type { NovaServer } from '../../../core/model/server';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const goldenPath = Path.join(__dirname, 'golden', 'simulation.log');

const group = 'g1';
const tickS = 60;
const buildTicks = 2;                 // a healthy build takes two ticks
const deleteTicks = 2;                // and so does a delete
const buildTimeoutS = 5 * tickS;
const orphanGraceS = 8 * tickS;
const maxEntities = 5;
const ticks = 42;
const start = new Date('2030-01-01T00:00:00Z').getTime();

// What happens to the next create(s).
type CreateFault =
    | 'error'          // Nova builds it into ERROR
    | 'stuck'          // it stays in BUILD for ever
    | 'lost_answer'    // the server is created, but its answer never reaches us
    | 'never_created'; // the request timed out and Nova never made the server

interface Script {
    readonly desired?: number;
    readonly faults?: readonly CreateFault[];
    readonly deleteOutOfBand?: boolean;      // the oldest active server of ours disappears
    readonly listingFails?: boolean;
    readonly inject?: readonly ('foreign' | 'other_group' | 'orphan')[];
    readonly killSwitch?: PlanInput['killSwitch'];
    readonly paused?: boolean;
}

const script: Readonly<Record<number, Script>> = {
    0: { desired: 3 },
    3: { desired: 5, faults: ['error'] },
    7: { desired: 4, faults: ['lost_answer'] },
    8: { desired: 5 },
    12: { deleteOutOfBand: true, faults: ['error'] },
    13: { listingFails: true },
    14: { listingFails: true, desired: 4 },
    16: { inject: ['foreign', 'other_group', 'orphan'], faults: ['stuck'], desired: 5 },
    17: { deleteOutOfBand: true },
    24: { killSwitch: 'all', desired: 2 },
    25: { killSwitch: 'all' },
    26: { killSwitch: 'none' },
    28: { paused: true, desired: 4, faults: ['never_created'] },
    29: { paused: true },
    30: { paused: false }
};

interface SimServer extends NovaServer {
    readonly fate: 'active' | 'error' | 'stuck';
    readonly readyAt: number;          // the tick its build ends
    readonly goneAt: number | null;    // the tick a delete completes
    readonly ours: boolean;            // created by a planned create (not injected)
}

interface World {
    readonly tick: number;
    readonly desired: number;
    readonly paused: boolean;
    readonly killSwitch: PlanInput['killSwitch'];
    readonly faults: readonly CreateFault[];
    readonly servers: readonly SimServer[];
    readonly ledger: readonly LedgerEntry[];
    readonly knownOrphans: readonly OrphanReport[];
    readonly nextId: number;
}

const timeOf = (tick: number): Date => new Date(start + tick * tickS * 1000);
const pad = (n: number): string => String(n).padStart(3, '0');

const simServer = (id: string, tick: number, metadata: Record<string, string>, fate: SimServer['fate'], ours: boolean): SimServer => ({
    id, name: `web-as${id}`, status: 'BUILD', taskState: null, addresses: [], metadata, created: timeOf(tick), fate, readyAt: tick + buildTicks, goneAt: null, ours
});

// Nova moves on by itself: builds end, deletes complete.
const novaAdvances = (servers: readonly SimServer[], tick: number): SimServer[] =>
    servers
        .filter((s) => s.goneAt === null || s.goneAt > tick)
        .map((s) => (s.status === 'BUILD' && s.fate !== 'stuck' && s.readyAt <= tick ? { ...s, status: s.fate === 'error' ? 'ERROR' : 'ACTIVE' } : s));

const injected = (kind: 'foreign' | 'other_group' | 'orphan', tick: number): SimServer => {
    const metadata: Record<string, string> =
        kind === 'foreign' ? {} :
            kind === 'other_group' ? { 'autoscale:group_id': 'g2', 'autoscale:intent_id': 'i001' } :
                { 'autoscale:group_id': group, 'autoscale:intent_id': 'no-such-intent' };
    // Already in the state that would tempt a careless planner: ERROR.
    return { ...simServer(`${kind}-${pad(tick)}`, tick, metadata, 'error', false), status: 'ERROR' };
};

// The scripted world changes at the start of a tick, before the listing.
const scripted = (w: World): World => {
    const s = script[w.tick] ?? {};
    let servers = novaAdvances(w.servers, w.tick);
    if (s.deleteOutOfBand) {
        const victim = servers.filter((x) => x.ours && x.status === 'ACTIVE' && x.goneAt === null).sort((a, b) => a.created.getTime() - b.created.getTime())[0];
        servers = servers.filter((x) => x !== victim);
    }

    servers = [...servers, ...(s.inject ?? []).map((kind) => injected(kind, w.tick))];
    return {
        ...w,
        servers,
        desired: s.desired ?? w.desired,
        paused: s.paused ?? w.paused,
        killSwitch: s.killSwitch ?? w.killSwitch,
        faults: [...w.faults, ...(s.faults ?? [])]
    };
};

const planFor = (w: World): Plan => planConvergence({
    groupId: group,
    desired: w.desired,
    maxEntities,
    ledger: w.ledger,
    listing: script[w.tick]?.listingFails ? { kind: 'unknown', reason: 'page 2 answered 503' } : { kind: 'known', servers: w.servers },
    now: timeOf(w.tick),
    buildTimeoutS,
    orphanGraceS,
    knownOrphans: w.knownOrphans,
    paused: w.paused,
    killSwitch: w.killSwitch,
    joins: false
});

// Without workflows (this simulation's groups have none) an entry is one of the plain states.
const setEntry = (ledger: readonly LedgerEntry[], intentId: string, change: { serverId?: string | null; state?: 'intent' | 'building' | 'active' | 'deleting' | 'gone' }): LedgerEntry[] =>
    ledger.map((e) => (e.intentId === intentId ? ledgerEntry({ ...e, ...change }) : e));

// The converger's part, as simply as it can be done: the ledger first, then Nova.
const apply = (w: World, plan: Plan): World => {
    const now = timeOf(w.tick);
    let ledger = [...w.ledger];
    let servers = [...w.servers];
    let faults = [...w.faults];
    let nextId = w.nextId;

    for (const a of plan.adopts) {
        ledger = setEntry(ledger, a.intentId, { serverId: a.serverId, state: 'building' });
    }

    for (const r of plan.retires) {
        ledger = setEntry(ledger, r.intentId, { state: 'gone' });
    }

    for (const d of plan.deletes) {
        if (d.intentId !== null) {
            ledger = setEntry(ledger, d.intentId, { state: 'deleting' });
        }

        servers = servers.map((s) => (s.id === d.serverId ? { ...s, taskState: 'deleting', goneAt: w.tick + deleteTicks } : s));
    }

    for (let i = 0; i < plan.create; ++i) {
        const intentId = `i${pad(nextId)}`;
        const serverId = `s${pad(nextId)}`;
        nextId++;
        ledger.push({ intentId, serverId: null, state: 'intent', createdAt: now });
        const [fault, ...rest] = faults;
        faults = rest;
        if (fault === 'never_created') {
            continue;
        }

        const fate = fault === 'error' ? 'error' : fault === 'stuck' ? 'stuck' : 'active';
        servers.push(simServer(serverId, w.tick, { 'autoscale:group_id': group, 'autoscale:intent_id': intentId }, fate, true));
        if (fault !== 'lost_answer') {
            ledger = setEntry(ledger, intentId, { serverId, state: 'building' });
        }
    }

    // An unknown listing says nothing about orphans: keep what we knew.
    const knownOrphans = plan.counts === null ? w.knownOrphans : plan.orphans;
    return { ...w, ledger, servers, faults, nextId, knownOrphans };
};

const logLine = (w: World, plan: Plan): string => {
    const c = plan.counts;
    const listing = script[w.tick]?.listingFails ? 'unknown' : 'ok';
    const counts = c ? `a=${c.active} p=${c.pending} f=${c.failed} g=${c.going} o=${c.orphans}` : 'counts=unknown';
    const steps = [
        plan.create > 0 ? `+${plan.create}` : '',
        ...plan.deletes.map((d) => `-${d.serverId}:${d.reason}`),
        ...plan.adopts.map((a) => `adopt:${a.intentId}>${a.serverId}`),
        ...plan.retires.map((r) => `retire:${r.intentId}:${r.reason}`),
        ...plan.holds.map((h) => `hold:${h.reason}`)
    ].filter(Boolean).join(' ');
    return `t${String(w.tick).padStart(2, '0')} desired=${w.desired} listing=${listing} ${counts} ${plan.outcome} | ${steps || '-'}`;
};

interface Run {
    readonly log: string[];
    readonly final: World;
    readonly orphanFirstSeen: ReadonlyMap<string, number>;
}

// The invariants, every tick, whatever the plan.
const checkInvariants = (w: World, plan: Plan, orphanFirstSeen: ReadonlyMap<string, number>): void => {
    const at = `tick ${w.tick}`;
    const listingFails = script[w.tick]?.listingFails === true;
    for (const d of plan.deletes) {
        const target = w.servers.find((s) => s.id === d.serverId);
        expect(target?.metadata['autoscale:group_id'], `${at}: delete of a server not tagged with the group`).to.equal(group);
        expect(target?.taskState, `${at}: delete of a server already being deleted`).to.equal(null);
        if (d.reason === 'orphan') {
            const seen = orphanFirstSeen.get(d.serverId) ?? w.tick;
            expect((w.tick - seen) * tickS, `${at}: orphan deleted inside its grace`).to.be.at.least(orphanGraceS);
        }
        else {
            expect(w.ledger.some((e) => e.intentId === d.intentId && e.state !== 'gone'), `${at}: delete of a server the ledger does not own`).to.be.true();
        }
    }

    if (listingFails) {
        expect([plan.create, plan.deletes.length, plan.adopts.length, plan.retires.length], `${at}: acted on an unknown listing`).to.equal([0, 0, 0, 0]);
    }

    if (w.paused) {
        expect([plan.create, plan.deletes.length, plan.adopts.length, plan.retires.length], `${at}: acted while paused`).to.equal([0, 0, 0, 0]);
    }

    if (w.killSwitch !== 'none') {
        expect(plan.create, `${at}: created under a kill-switch`).to.equal(0);
    }

    if (w.killSwitch === 'all') {
        expect(plan.deletes.length, `${at}: deleted under kill-switch all`).to.equal(0);
    }
};

const simulate = (): Run => {
    let w: World = { tick: 0, desired: 0, paused: false, killSwitch: 'none', faults: [], servers: [], ledger: [], knownOrphans: [], nextId: 1 };
    const log: string[] = [];
    const orphanFirstSeen = new Map<string, number>();
    for (let tick = 0; tick < ticks; ++tick) {
        w = scripted({ ...w, tick });
        const plan = planFor(w);
        for (const o of plan.orphans) {
            orphanFirstSeen.set(o.serverId, orphanFirstSeen.get(o.serverId) ?? tick);
        }

        checkInvariants(w, plan, orphanFirstSeen);
        log.push(logLine(w, plan));
        w = apply(w, plan);

        // Ours, everything that exists in Nova (building, failed, being deleted), never above max.
        const ours = w.servers.filter((s) => s.ours).length;
        expect(ours, `tick ${tick}: ${ours} servers of ours exist, max is ${maxEntities}`).to.be.at.most(maxEntities);
    }

    return { log, final: scripted({ ...w, tick: ticks }), orphanFirstSeen };
};

describe('convergence simulation', () => {
    it('converges through every scripted fault, and the log matches the golden file', () => {
        const { log, final, orphanFirstSeen } = simulate();
        const text = `${log.join('\n')}\n`;

        // At the end: exactly desired, all ACTIVE, one intent each; foreign servers untouched; the orphan cleaned.
        const ours = final.servers.filter((s) => s.metadata['autoscale:group_id'] === group);
        expect(ours.map((s) => s.status)).to.equal(Array(final.desired).fill('ACTIVE'));
        expect(new Set(ours.map((s) => s.metadata['autoscale:intent_id'])).size).to.equal(final.desired);
        expect(final.servers.filter((s) => !s.ours).map((s) => s.id)).to.equal(['foreign-016', 'other_group-016']);
        expect([...orphanFirstSeen.keys()]).to.equal(['orphan-016']);
        expect(planFor(final).outcome).to.equal('done');

        if (process.env.UPDATE_GOLDEN === '1') {
            Fs.mkdirSync(Path.dirname(goldenPath), { recursive: true });
            Fs.writeFileSync(goldenPath, text);
        }

        expect(Fs.existsSync(goldenPath), 'no golden file: run with UPDATE_GOLDEN=1 and review it').to.be.true();
        expect(text).to.equal(Fs.readFileSync(goldenPath, 'utf8'));
    });

    it('is deterministic', () => {
        expect(simulate().log).to.equal(simulate().log);
    });
});
