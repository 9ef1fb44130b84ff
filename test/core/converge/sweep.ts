// The sweep's fast path (core/converge/sweep.ts plainlySteady) against the planner:
// over many states near a steady one, it never says "steady" where the full
// plan would do, record or hold anything; and it does say so for the plain
// steady states that make up most of a sweep.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { planFor } from '../../../core/converge/run';
import { GroupId, TenantId } from '../../../core/model/ids';
import type { KillSwitch } from '../../../core/model/kill-switch';
import { groupMetadataKey, intentMetadataKey, type IntentState, type LedgerEntry } from '../../../core/model/ledger';
import { ledgerEntry, type EntryFields } from '../../support/fake-convergence';
import type { NovaListing } from '../../../core/converge/plan';
import type { NovaServer } from '../../../core/model/server';
import type { ConvergenceSnapshot } from '../../../core/ports/convergence';
import { isSteady, plainlySteady } from '../../../core/converge/sweep';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const now = new Date('2030-01-01T12:00:00Z');
const hourAgo = new Date(now.getTime() - 3_600_000);
const deps = { buildTimeoutS: 600, orphanGraceS: 60, region: 'r1' };

// A small deterministic generator (mulberry32): the same cases on every run.
const random = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

interface Case {
    readonly snap: ConvergenceSnapshot;
    readonly listing: NovaListing;
}

const steadyCase = (n: number, groupId = GroupId('g1')): Case => {
    const ledger: LedgerEntry[] = Array.from({ length: n }, (_, i) => ({
        intentId: `i${i}`, serverId: `s${i}`, state: 'active', createdAt: hourAgo
    }));
    const servers: NovaServer[] = ledger.map((e) => ({
        id: e.serverId ?? '', name: `web-${e.intentId}`, status: 'ACTIVE', taskState: null, addresses: [], created: hourAgo,
        metadata: { [groupMetadataKey]: groupId, [intentMetadataKey]: e.intentId }
    }));
    return {
        snap: {
            groupId, tenantId: TenantId('t1'), desired: n, maxEntities: 10, paused: false, status: 'ACTIVE', launchServer: {},
            workflow: { type: 'builtin' }, loadBalancers: [], drainingTimeoutS: 0, memberStages: [], ledger, orphans: [], killSwitches: [], buildFailures: 0, createsNotBefore: null
        },
        listing: { kind: 'known', servers }
    };
};

const servers = (c: Case): NovaServer[] => (c.listing.kind === 'known' ? [...c.listing.servers] : []);

// One change to a steady state, of the kinds a real group goes through.
const perturb = (next: () => number, c: Case): Case => {
    const { snap } = c;
    const i = Math.floor(next() * Math.max(1, snap.ledger.length));
    const withEntry = (change: Partial<EntryFields>): Case => ({ ...c, snap: { ...snap, ledger: snap.ledger.map((e, j) => (j === i ? ledgerEntry({ ...e, ...change }) : e)) } });
    const withServer = (change: Partial<NovaServer>): Case => ({ ...c, listing: { kind: 'known', servers: servers(c).map((s, j) => (j === i ? { ...s, ...change } : s)) } });
    const killSwitch: KillSwitch = { scope: { kind: 'global' }, mode: pick(next, ['all', 'scale-up'] as const), reason: 'r', who: 'w', expiresAt: null };
    const changes: (() => Case)[] = [
        () => ({ ...c, snap: { ...snap, desired: snap.desired + pick(next, [-1, 1]) } }),
        () => ({ ...c, snap: { ...snap, maxEntities: Math.max(0, snap.desired - 1) } }),
        () => ({ ...c, snap: { ...snap, paused: true } }),
        () => ({ ...c, snap: { ...snap, status: pick(next, ['ERROR', 'DELETING'] as const) } }),
        () => ({ ...c, snap: { ...snap, killSwitches: [killSwitch] } }),
        () => ({ ...c, snap: { ...snap, orphans: [{ serverId: 'x1', since: hourAgo }] } }),
        () => withEntry({ state: pick(next, ['intent', 'building', 'deleting', 'gone'] as IntentState[]) }),
        () => withEntry({ serverId: null }),
        () => withEntry({ state: pick(next, ['joining', 'leaving'] as const), leaves: pick(next, [true, false]), workflow: { outcome: pick(next, ['running', 'continue', 'abandon'] as const), reason: null } }),
        () => ({ ...c, snap: { ...snap, workflow: { type: 'host', name: 'hooks' } } }),
        () => withEntry({ serverId: 'elsewhere' }),
        () => withServer({ status: pick(next, ['BUILD', 'ERROR', 'SHUTOFF', 'DELETED', 'REBOOT', 'active']) }),
        () => withServer({ taskState: 'deleting' }),
        () => withServer({ metadata: {} }),
        () => withServer({ metadata: { [groupMetadataKey]: 'g2' } }),
        () => ({ ...c, listing: { kind: 'known', servers: servers(c).filter((_, j) => j !== i) } }),
        () => ({
            ...c, listing: {
                kind: 'known', servers: [...servers(c), {
                    id: 'extra', name: 'x', status: 'ACTIVE', taskState: null, addresses: [], created: now,
                    metadata: { [groupMetadataKey]: snap.groupId, [intentMetadataKey]: pick(next, ['i0', 'unknown']) }
                }]
            }
        }),
        () => ({ ...c, listing: { kind: 'known', servers: [...servers(c), { id: 'foreign', name: 'f', status: 'ERROR', taskState: null, addresses: [], created: now, metadata: {} }] } }),
        () => ({ ...c, listing: { kind: 'unknown', reason: 'server_error: 500' } })
    ];
    return pick(next, changes)();
};

describe('sweep: the fast path', () => {

    it('says steady for a plain steady group, of any size, and the planner agrees', () => {
        for (const n of [0, 1, 3, 10]) {
            const { snap, listing } = steadyCase(n);
            expect(plainlySteady(snap, listing), `n=${n}`).to.be.true();
            expect(isSteady(snap, listing, planFor(deps, snap, listing, now)), `n=${n}`).to.be.true();
        }
    });

    it('never says steady where the full plan would act, record or hold (2,000 states near steady)', () => {
        const next = random(20261206);
        let fast = 0;
        let slow = 0;
        for (let k = 0; k < 2000; k++) {
            let c = steadyCase(Math.floor(next() * 5));
            for (let changes = 1 + Math.floor(next() * 3); changes > 0; changes--) {
                c = perturb(next, c);
            }

            const planned = isSteady(c.snap, c.listing, planFor(deps, c.snap, c.listing, now));
            if (plainlySteady(c.snap, c.listing)) {
                fast++;
                expect(planned, JSON.stringify(c)).to.be.true();
            }
            else if (planned) {
                slow++;   // steady, found by the full plan only (e.g. a server in another serving status)
            }
        }

        // Both sides are exercised: the fast path fires, and some states need the planner to be seen steady.
        expect(fast).to.be.above(20);
        expect(slow).to.be.above(0);
    });
});
