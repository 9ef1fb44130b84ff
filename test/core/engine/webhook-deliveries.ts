// The webhook delivery loop (core/engine/webhook-deliveries.ts) over an
// outbox in memory: what a round writes, sends and decides, how callbacks
// answer, and its own timer. The store's SQL is test/workflow-webhook-e2e.ts's.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { CLAIM_TURNS, webhookDeliveries, type WebhookDeliveriesDeps } from '../../../core/engine/webhook-deliveries';
import type { DeliveryAnswer } from '../../../core/decide/delivery';
import { addressesOf, callbackUrlOf, deliveryServer, storedBody, withCallback } from '../../../core/model/delivery-body';
import { GroupId, TenantId } from '../../../core/model/ids';
import type { NovaServer } from '../../../core/model/server';
import type { WorkflowConfig } from '../../../core/model/workflow';
import type { DeliveryRecord, DeliveryStore, DueDelivery, NewDelivery, TokenLookup } from '../../../core/ports/deliveries';
import type { WebhookAttempt } from '../../../core/ports/webhooks';
import type { RunningStage, StageEnd } from '../../../core/ports/workflows';
import { noTelemetry, type DeliveryTold } from '../../../core/ports/telemetry';
import { logRecorder, manualClock, manualScheduler, settle } from './fakes';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const webhook: WorkflowConfig = { type: 'webhook', url: 'https://hooks.example/x', secret: 's'.repeat(16), timeoutS: 60, defaultResult: 'abandon', events: ['launch', 'terminate'], callbackRoot: 'https://own.example/autoscale/v1.0' };

const stage = (n: number, overrides: Partial<RunningStage> = {}): RunningStage => ({
    intentId: `i${n}`, event: 'launch', groupId: GroupId('g1'), tenantId: TenantId('t1'), serverId: `s${n}`, workflow: webhook,
    stage: 'customer', stageIndex: 0, last: true, stageStartedAt: new Date(0), ...overrides
});

const nova = (id: string): NovaServer => ({
    id, name: `web-${id}`, status: 'ACTIVE', taskState: null, metadata: { a: 'b' }, created: new Date(0),
    addresses: [{ network: 'net', addr: '10.0.0.5', version: 4, type: 'fixed' }, { network: 'net', addr: 'fe80::1', version: 6, type: null }]
});

interface Row extends Omit<NewDelivery, 'deadline'> {
    deadline: Date;
    attempts: number;
    firstSentAt: Date | null;
    nextAt: Date;
    acknowledged: boolean;
    ended: boolean;
}

// An outbox in memory, with the calls it took.
const memoryOutbox = (stages: RunningStage[]) => {
    const rows: Row[] = [];
    const ends: { end: StageEnd; note: string; reason: string }[] = [];
    const failing = { complete: false };
    const writes: number[] = [];     // the ends each write took
    const record = (r: Row): DeliveryRecord => ({
        id: r.id, intentId: r.intentId, event: r.event, stageIndex: r.stageIndex, groupId: r.groupId, serverId: `s${r.intentId.slice(1)}`,
        stage: 'customer', last: stages.find((x) => x.intentId === r.intentId)?.last ?? true, attempts: r.attempts, firstSentAt: r.firstSentAt, deadline: r.deadline, acknowledged: r.acknowledged,
        timeoutS: 60, defaultResult: 'abandon'
    });
    const due = (r: Row): DueDelivery => ({ ...record(r), url: r.url, secret: 'sec', body: withCallback(r.body, callbackUrlOf(r.callbackRoot, `tok-${r.id}`)) });
    const store: DeliveryStore = {
        stagesToDeliver: async (limit) => stages.filter((s) => !rows.some((r) => r.intentId === s.intentId)).slice(0, limit),
        addDeliveries: async (added, now, leaseUntil) => added
            .filter((d) => !rows.some((r) => r.intentId === d.intentId && r.event === d.event && r.stageIndex === d.stageIndex))
            .map((d) => {
                const r = { ...d, attempts: 1, firstSentAt: now, nextAt: leaseUntil, acknowledged: false, ended: false };
                rows.push(r);
                return due(r);
            }),
        claimDue: async (now, leaseUntil, limit) => rows
            .filter((r) => !r.ended && !r.acknowledged && r.nextAt <= now && r.deadline > now).slice(0, limit)
            .map((r): DueDelivery => {
                r.attempts++;
                r.firstSentAt ??= now;
                r.nextAt = leaseUntil;
                return due(r);
            }),
        expired: async (now, limit) => rows.filter((r) => !r.ended && r.deadline <= now).slice(0, limit).map(record),
        retryAt: async (id, at) => {
            const r = rows.find((x) => x.id === id);
            r!.nextAt = at;
        },
        acknowledge: async (id) => {
            rows.find((x) => x.id === id)!.acknowledged = true;
        },
        complete: async (many) => {
            if (failing.complete) {
                throw new Error('database gone');
            }

            writes.push(many.length);
            return many.map(({ id, end, note, activity }) => {
                const r = rows.find((x) => x.id === id)!;
                if (r.ended) {
                    return false;
                }

                r.ended = true;
                ends.push({ end, note, reason: String(activity[0]?.reason) });
                return true;
            });
        },
        lookupToken: async (token): Promise<TokenLookup> => {
            const r = rows.find((x) => `tok-${x.id}` === token);
            return r === undefined ? { kind: 'unknown' } : r.ended ? { kind: 'completed' } : { kind: 'pending', delivery: record(r) };
        },
        moveDeadline: async (id, deadline) => {
            const r = rows.find((x) => x.id === id)!;
            if (r.ended) {
                return false;
            }

            r.deadline = deadline;
            return true;
        }
    };
    return { store, rows, ends, failing, writes };
};

const world = (options: { stages?: RunningStage[]; answer?: (a: WebhookAttempt) => Promise<DeliveryAnswer>; deps?: Partial<WebhookDeliveriesDeps> } = {}) => {
    const clock = manualClock();
    const scheduler = manualScheduler();
    const { log, entries } = logRecorder();
    const outbox = memoryOutbox(options.stages ?? [stage(1)]);
    const sent: WebhookAttempt[] = [];
    const kicks: string[] = [];
    const switches = { all: false };
    let n = 0;
    const loop = webhookDeliveries({
        store: outbox.store,
        sender: { send: (a) => {
            sent.push(a);
            return (options.answer ?? (async () => ({ kind: 'completed', result: 'continue' } as const)))(a);
        } },
        servers: async () => [nova('s1')],
        killSwitches: async () => (switches.all ? [{ scope: { kind: 'global' }, mode: 'all', reason: 'r', who: 'op', expiresAt: null, setAt: new Date(0) }] as never : []),
        clock, scheduler, log, region: 'r1', kick: (g) => kicks.push(g), publicRoot: null,
        intervalMs: 1000, batch: 10, concurrency: 2, attemptTimeoutMs: 1000, newId: () => `d${++n}`,
        ...options.deps
    });
    return { clock, scheduler, entries, outbox, sent, kicks, switches, loop };
};

describe('webhook deliveries: a round', () => {

    it('writes a delivery with the server as Nova lists it, sends it signed-ready, and completes on a result', async () => {
        const w = world();
        expect(await w.loop.runOnce()).to.equal({ held: false, written: 1, expired: 0, sent: 1 });
        const body = JSON.parse(w.sent[0]!.body) as Record<string, unknown>;
        expect(body).to.equal({
            event: 'launch', deliveryId: 'd1', tenantId: 't1', groupId: 'g1',
            server: { id: 's1', name: 'web-s1', addresses: { net: [{ addr: '10.0.0.5', version: 4, type: 'fixed' }, { addr: 'fe80::1', version: 6, type: null }] }, metadata: { a: 'b' } },
            deadline: new Date(w.clock.now().getTime() + 60_000).toISOString(),
            callbackUrl: 'https://own.example/autoscale/v1.0/workflow/1/tok-d1'
        });
        expect(w.outbox.ends.map((e) => [e.end.result, e.end.reason, e.reason])).to.equal([['continue', null, 'in_service']]);
        expect(w.kicks).to.equal(['g1']);
    });

    it('names a delivery by the host\'s id, and gives a relative callback when no root is known', async () => {
        const w = world({ stages: [stage(4, { workflow: { ...webhook, callbackRoot: undefined } as WorkflowConfig })] });
        await w.loop.runOnce();
        const body = JSON.parse(w.sent[0]!.body) as { deliveryId: string; callbackUrl: string };
        expect(body.deliveryId).to.equal('d1');
        expect(body.callbackUrl).to.equal('/workflow/1/tok-d1');
    });

    it('says what a stage\'s end makes of a workflow with stages after it', async () => {
        const w = world({ stages: [stage(1, { last: false }), stage(2, { last: false, event: 'terminate' }), stage(3, { event: 'terminate' })] });
        await w.loop.runOnce();
        expect(w.outbox.ends.map((e) => e.reason)).to.equal(['joining', 'leaving', 'left']);
    });

    it('takes the public root over the workflow\'s own, and an unlisted server by its id alone', async () => {
        const w = world({ stages: [stage(2), stage(3, { workflow: { ...webhook, callbackRoot: undefined } as WorkflowConfig })], deps: { publicRoot: 'https://pub.example/v1.0', servers: async () => null } });
        await w.loop.runOnce();
        expect(w.sent.map((a) => (JSON.parse(a.body) as { callbackUrl: string; server: unknown }).server)).to.equal([
            { id: 's2', name: null, addresses: {}, metadata: {} }, { id: 's3', name: null, addresses: {}, metadata: {} }
        ]);
        expect((JSON.parse(w.sent[0]!.body) as { callbackUrl: string }).callbackUrl).to.equal('https://pub.example/v1.0/workflow/1/tok-d1');
    });

    it('waits for a listing that fails (unknown is not zero), and writes nothing for a stage that is not a webhook\'s', async () => {
        const w = world({ stages: [stage(1), stage(2, { workflow: { type: 'builtin' } })], deps: { servers: async () => Promise.reject(new Error('nova down')) } });
        expect((await w.loop.runOnce()).written).to.equal(0);
        expect(w.entries.map((e) => String(e.data))).to.equal(['servers of t1 not listed: Error: nova down']);
        const v = world({ stages: [stage(2, { workflow: { type: 'builtin' } })] });
        expect((await v.loop.runOnce()).written).to.equal(0);
    });

    it('retries with backoff, awaits after an acknowledgement, and the default at the deadline', async () => {
        const answers: DeliveryAnswer[] = [{ kind: 'retry', reason: 'answered 503' }, { kind: 'acknowledged' }];
        const told: DeliveryTold[] = [];
        const w = world({ answer: async () => answers.shift()!, deps: { telemetry: { ...noTelemetry, delivery: (d) => told.push(d) } } });
        await w.loop.runOnce();
        expect(w.outbox.rows[0]!.nextAt).to.equal(new Date(w.clock.now().getTime() + 1000));
        w.clock.advance(1000);
        expect((await w.loop.runOnce()).sent).to.equal(1);
        expect(w.outbox.rows[0]!.acknowledged).to.be.true();
        w.clock.advance(5000);
        expect((await w.loop.runOnce()).sent).to.equal(0);
        w.clock.advance(60_000);
        expect((await w.loop.runOnce()).expired).to.equal(1);
        expect(w.outbox.ends.map((e) => [e.end.result, e.end.reason])).to.equal([['abandon', 'workflow_timeout']]);
        // Told: the failed attempt and its retry, then the end, never the URL or the secret.
        expect(told.map((d) => [d.kind, d.deliveryId, d.groupId, d.serverId, d.event])).to.equal([['retry', 'd1', 'g1', 's1', 'launch'], ['ended', 'd1', 'g1', 's1', 'launch']]);
        expect(told[0]).to.include({ why: 'answered 503', at: new Date(w.clock.now().getTime() - 66_000 + 1000) });
        expect(told[1]).to.include({ result: 'abandon', reason: 'workflow_timeout' });
    });

    it('gives a terminate\'s end no failure reason: the delete goes on, its row says left', async () => {
        const w = world({ stages: [stage(1, { event: 'terminate' })], answer: async () => ({ kind: 'refused', reason: 'loopback' }) });
        await w.loop.runOnce();
        expect(w.outbox.ends.map((e) => [e.end.result, e.end.reason, e.reason])).to.equal([['abandon', null, 'workflow_abandoned']]);
        expect(w.outbox.ends[0]!.note).to.contain('not sent: loopback');
    });

    it('keeps at most `concurrency` attempts under way, and at most a batch a round', async () => {
        let underWay = 0;
        let most = 0;
        const answer = async (): Promise<DeliveryAnswer> => {
            most = Math.max(most, ++underWay);
            await settle(3);
            underWay--;
            return { kind: 'completed', result: 'continue' };
        };
        const w = world({ stages: [1, 2, 3, 4, 5].map((n) => stage(n)), answer, deps: { batch: 4 } });
        expect(await w.loop.runOnce()).to.equal({ held: false, written: 4, expired: 0, sent: 4 });
        expect(most).to.equal(2);
    });

    it('claims ahead while the workers send, and sends what it claimed', async () => {
        const w = world({ stages: [1, 2, 3, 4, 5, 6, 7].map((n) => stage(n)), deps: { concurrency: 3 } });
        expect(await w.loop.runOnce()).to.equal({ held: false, written: 7, expired: 0, sent: 7 });
        expect(w.outbox.ends).to.have.length(7);
    });

    it('writes each new delivery as the window takes it, claimed for its first attempt: never one unwritten sent, never all written up front', async () => {
        const chunks: number[] = [];
        const writtenAtSend: number[] = [];
        const count = 2 * CLAIM_TURNS + 1;
        const w = world({ stages: Array.from({ length: count }, (_x, i) => stage(i + 1)), deps: { concurrency: 1, batch: count }, answer: async () => {
            writtenAtSend.push(w.outbox.rows.length);
            return { kind: 'completed', result: 'continue' };
        } });
        const add = w.outbox.store.addDeliveries;
        w.outbox.store.addDeliveries = (rows, now, leaseUntil) => {
            chunks.push(rows.length);
            return add(rows, now, leaseUntil);
        };
        expect(await w.loop.runOnce()).to.equal({ held: false, written: count, expired: 0, sent: count });
        // A window of 1, claimed CLAIM_TURNS ahead.
        expect(chunks).to.equal([CLAIM_TURNS, CLAIM_TURNS, 1]);
        expect(writtenAtSend[0]).to.be.below(count);
        expect(writtenAtSend.every((n, i) => n > i)).to.be.true();
        expect(w.outbox.rows.map((r) => [r.attempts, r.firstSentAt?.getTime()])).to.equal(Array.from({ length: count }, () => [1, w.clock.now().getTime()]));
    });

    it('sends what is due again before new ones, and none that another writer wrote first', async () => {
        // As many due again as a claim takes (a window of 1: CLAIM_TURNS), then two new stages.
        const stages = Array.from({ length: CLAIM_TURNS }, (_x, i) => stage(i + 1));
        const answers: DeliveryAnswer[] = stages.map(() => ({ kind: 'retry', reason: 'answered 503' }));
        const w = world({ stages, deps: { concurrency: 1 }, answer: async () => answers.shift() ?? { kind: 'completed', result: 'continue' } });
        expect(await w.loop.runOnce()).to.equal({ held: false, written: CLAIM_TURNS, expired: 0, sent: CLAIM_TURNS });
        stages.push(stage(CLAIM_TURNS + 1), stage(CLAIM_TURNS + 2));
        const add = w.outbox.store.addDeliveries;
        w.outbox.store.addDeliveries = (rows, now, leaseUntil) => {
            // Another instance wrote the last stage's delivery between this round's look and its write.
            w.outbox.rows.push({ ...w.outbox.rows[0]!, id: 'other', intentId: `i${CLAIM_TURNS + 2}`, attempts: 1, ended: false });
            w.outbox.store.addDeliveries = add;
            return add(rows, now, leaseUntil);
        };
        w.clock.advance(1000);
        expect(await w.loop.runOnce()).to.equal({ held: false, written: 1, expired: 0, sent: CLAIM_TURNS + 1 });
        const first = stages.slice(0, CLAIM_TURNS).map((_s, i) => `d${i + 1}`);
        expect(w.sent.map((a) => a.deliveryId)).to.equal([...first, ...first, `d${CLAIM_TURNS + 1}`]);
    });

    it('logs a claim that fails and ends the round\'s sending', async () => {
        const w = world();
        w.outbox.store.claimDue = () => Promise.reject(new Error('lock timeout'));
        expect(await w.loop.runOnce()).to.equal({ held: false, written: 0, expired: 0, sent: 0 });
        expect(w.entries.map((e) => String(e.data))).to.equal(['claim: Error: lock timeout']);
    });

    it('logs an attempt whose end cannot be written, and sends nothing under a kill-switch all', async () => {
        const w = world();
        w.outbox.failing.complete = true;
        await w.loop.runOnce();
        expect(w.entries.map((e) => String(e.data))).to.equal(['delivery d1: Error: database gone']);
        w.switches.all = true;
        expect(await w.loop.runOnce()).to.equal({ held: true, written: 0, expired: 0, sent: 0 });
    });

    it('writes the ends of answers that came together in one write, and lets no more answers wait than the window allows', async () => {
        const count = 3 * 2 * CLAIM_TURNS;     // three times what may wait with a window of 2
        const stages = Array.from({ length: count }, (_x, i) => stage(i + 1));
        let open: () => void = () => undefined;
        const gate = new Promise<void>((resolve) => {
            open = resolve;
        });
        const w = world({ stages, deps: { batch: count, servers: async () => stages.map((s) => nova(s.serverId)) } });
        const write = w.outbox.store.complete;
        w.outbox.store.complete = async (ends) => {
            await gate;
            return write(ends);
        };
        const round = w.loop.runOnce();
        await settle();
        // The first write holds; the window (2) sent on until CLAIM_TURNS windows of answers waited on it.
        expect(w.sent.length).to.be.below(count);
        open();
        expect(await round).to.equal({ held: false, written: count, expired: 0, sent: count });
        expect(w.outbox.ends.length).to.equal(count);
        expect(w.outbox.writes.length).to.be.below(count);
        expect(w.outbox.writes.reduce((a, b) => a + b, 0)).to.equal(count);
    });

    it('logs a send that threw, and goes on with the others', async () => {
        const w = world({ stages: [stage(1), stage(2)], answer: async (a) => {
            if (a.deliveryId === 'd1') {
                throw new Error('socket gone');
            }

            return { kind: 'completed', result: 'continue' };
        } });
        expect(await w.loop.runOnce()).to.equal({ held: false, written: 2, expired: 0, sent: 2 });
        expect(w.entries.map((e) => String(e.data))).to.equal(['delivery d1: Error: socket gone']);
        expect(w.outbox.ends.length).to.equal(1);
    });

    it('counts no expiry when the stage had ended meanwhile', async () => {
        const w = world({ answer: async () => ({ kind: 'acknowledged' }) });
        await w.loop.runOnce();
        const expiredOnce = w.outbox.store.expired;
        w.outbox.store.expired = async (now, limit) => {
            const found = await expiredOnce(now, limit);
            w.outbox.rows[0]!.ended = true;
            return found;
        };
        w.clock.advance(60_000);
        expect((await w.loop.runOnce()).expired).to.equal(0);
        // A row the store calls expired that the clock does not: nothing applied.
        const v = world({ answer: async () => ({ kind: 'acknowledged' }) });
        await v.loop.runOnce();
        v.outbox.store.expired = async () => v.outbox.rows.map((r) => ({ id: r.id, intentId: r.intentId, event: r.event, stageIndex: 0, groupId: r.groupId, serverId: 's1', stage: 'customer' as const, last: true, attempts: 1, firstSentAt: null, deadline: r.deadline, acknowledged: true, timeoutS: 60, defaultResult: 'abandon' as const }));
        expect((await v.loop.runOnce()).expired).to.equal(0);
        expect(v.outbox.ends).to.equal([]);
    });
});

describe('webhook deliveries: callbacks', () => {

    it('completes on continue or abandon (204), then 409; 404 for an unknown token', async () => {
        const w = world({ stages: [stage(1), stage(2)], answer: async () => ({ kind: 'acknowledged' }) });
        await w.loop.runOnce();
        expect(await w.loop.callback('tok-d1', 'continue')).to.equal('done');
        expect(await w.loop.callback('tok-d1', 'continue')).to.equal('completed');
        expect(await w.loop.callback('tok-d2', 'abandon')).to.equal('done');
        expect(w.outbox.ends.map((e) => [e.end.result, e.end.reason])).to.equal([['continue', null], ['abandon', 'workflow_abandoned']]);
        expect(await w.loop.callback('nope', 'heartbeat')).to.equal('unknown');
    });

    it('moves the deadline on a heartbeat; past the deadline the default holds (409)', async () => {
        const w = world({ answer: async () => ({ kind: 'acknowledged' }) });
        await w.loop.runOnce();
        w.clock.advance(30_000);
        expect(await w.loop.callback('tok-d1', 'heartbeat')).to.equal('done');
        expect(w.outbox.rows[0]!.deadline).to.equal(new Date(w.clock.now().getTime() + 60_000));
        w.clock.advance(60_000);
        expect(await w.loop.callback('tok-d1', 'continue')).to.equal('completed');
        expect(w.outbox.ends.map((e) => [e.end.result, e.end.reason])).to.equal([['abandon', 'workflow_timeout']]);
    });

    it('answers completed when the delivery ends between the lookup and the write', async () => {
        const w = world({ stages: [stage(1), stage(2)], answer: async () => ({ kind: 'acknowledged' }) });
        await w.loop.runOnce();
        w.outbox.rows.forEach((r) => {
            r.ended = true;
        });
        const lookup = w.outbox.store.lookupToken;
        w.outbox.store.lookupToken = async (token) => {
            const r = w.outbox.rows.find((x) => `tok-${x.id}` === token)!;
            r.ended = false;
            const found = await lookup(token);
            r.ended = true;
            return found;
        };
        expect(await w.loop.callback('tok-d1', 'heartbeat')).to.equal('completed');
        expect(await w.loop.callback('tok-d2', 'continue')).to.equal('completed');
    });
});

describe('webhook deliveries: the timer', () => {

    it('runs a round each interval, the next at once after a full batch, and stops', async () => {
        const w = world({ stages: [1, 2].map((n) => stage(n)), deps: { batch: 1 } });
        w.loop.start();
        expect(w.scheduler.pending().map((t) => t.ms)).to.equal([1000]);
        w.scheduler.fire(1000);
        await settle();
        expect(w.scheduler.pending().map((t) => t.ms)).to.equal([0]);
        w.scheduler.fire(0);
        await settle();
        w.scheduler.fire(0);
        await settle();
        expect(w.scheduler.pending().map((t) => t.ms)).to.equal([1000]);
        expect(w.sent).to.have.length(2);
        await w.loop.stop();
        expect(w.scheduler.pending()).to.equal([]);
    });

    it('schedules nothing after a round that ends once stopped', async () => {
        const w = world();
        w.loop.start();
        w.scheduler.fire(1000);
        const stopping = w.loop.stop();
        await settle();
        await stopping;
        expect(w.scheduler.pending()).to.equal([]);
    });

    it('logs a round that fails and comes back after the interval; with no interval it never starts on its own', async () => {
        const w = world({ deps: { killSwitches: () => Promise.reject(new Error('db')) } });
        w.loop.start();
        w.scheduler.fire(1000);
        await settle();
        expect(w.entries.map((e) => String(e.data))).to.equal(['Error: db']);
        expect(w.scheduler.pending().map((t) => t.ms)).to.equal([1000]);
        await w.loop.stop();
        const v = world({ deps: { intervalMs: 0 } });
        v.loop.start();
        expect(v.scheduler.pending()).to.equal([]);
        await v.loop.stop();
        expect(await v.loop.runOnce()).to.include({ sent: 0 });
    });
});

describe('delivery bodies', () => {

    it('puts callbackUrl last, the same bytes every time, and groups addresses by network', () => {
        const stored = storedBody({ event: 'terminate', deliveryId: 'd', tenantId: 't', groupId: 'g', server: deliveryServer('s', undefined), deadline: new Date(0) });
        expect(withCallback(stored, 'https://x/cb')).to.equal('{"event":"terminate","deliveryId":"d","tenantId":"t","groupId":"g","server":{"id":"s","name":null,"addresses":{},"metadata":{}},"deadline":"1970-01-01T00:00:00.000Z","callbackUrl":"https://x/cb"}');
        expect(addressesOf([{ network: 'a', addr: '1.2.3.4', version: 4, type: 'floating' }])).to.equal({ a: [{ addr: '1.2.3.4', version: 4, type: 'floating' }] });
    });
});
