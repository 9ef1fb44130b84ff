// The customer webhook's delivery loop (contract §7, docs/workflows.md):
// each round writes a delivery (the outbox row) for every webhook stage that
// has none, applies the default to deliveries past their deadline, and sends
// the due ones, at most `concurrency` at once, each decided by
// core/decide/delivery.ts: complete (the stage's end, which moves the ledger
// and kicks the converger), retry with backoff, or await the callback.
// Its own timer rather than the workflow runner's round: a round here waits
// for its sends (10 s at most each), and a round that found a full batch runs
// again at once, where the runner only starts host calls and returns.
import { noTelemetry, type Telemetry } from '../ports/telemetry';
import { afterAnswer, afterHeartbeat, pastDeadline, type Completion, type DeliveryAnswer } from '../decide/delivery';
import { deliveryServer, storedBody } from '../model/delivery-body';
import type { GroupId, TenantId } from '../model/ids';
import { modeInForce, type KillSwitch } from '../model/kill-switch';
import type { NovaServer } from '../model/server';
import type { Clock } from '../ports/clock';
import type { DeliveryEnd, DeliveryRecord, DeliveryStore, DueDelivery, NewDelivery } from '../ports/deliveries';
import type { Scheduler, Timer } from '../ports/scheduler';
import type { WebhookSender } from '../ports/webhooks';
import type { RunningStage } from '../ports/workflows';
import { groupWriter } from './group-writer';
import { errorData, type Log } from './log';
import { endRow } from './stage-rows';

export interface WebhookDeliveriesDeps {
    readonly store: DeliveryStore;
    readonly sender: WebhookSender;
    // The tenant project's servers as Nova lists them (the body's name,
    // addresses, metadata); null: no Compute here; a rejection: unknown now.
    readonly servers: (tenantId: TenantId) => Promise<readonly NovaServer[] | null>;
    readonly killSwitches: () => Promise<readonly KillSwitch[]>;
    readonly clock: Clock;
    readonly scheduler: Scheduler;
    readonly log: Log;
    readonly telemetry?: Telemetry;
    readonly region: string | null;
    readonly kick: (groupId: GroupId) => void;
    readonly publicRoot: string | null;        // scheme://host/prefix/v1.0 from the public URL setting
    readonly intervalMs: number;               // a round this often (0: only when asked)
    readonly batch: number;                    // stages written, and deliveries sent, per round at most
    readonly concurrency: number;              // attempts under way at once
    readonly attemptTimeoutMs: number;         // one attempt's deadline (the sender's)
    readonly newId: () => string;               // a new delivery's id (the host's randomness)
}

export interface RoundReport {
    readonly held: boolean;                    // a kill-switch `all`: nothing done
    readonly written: number;
    readonly expired: number;
    readonly sent: number;
}

export type CallbackAnswer = 'done' | 'completed' | 'unknown';

export interface WebhookDeliveries {
    runOnce(): Promise<RoundReport>;
    // A callback (POST callbackUrl): done (204), completed (409), unknown (404).
    callback(token: string, result: 'continue' | 'abandon' | 'heartbeat'): Promise<CallbackAnswer>;
    start(): void;
    stop(): Promise<void>;
}

// A claimed attempt is the loop's for its timeout and this much more; after
// that (a crash) it is due again, and any instance sends it, with the same id.
export const CLAIM_MARGIN_MS = 5000;

// A claim takes this many windows (concurrency) of deliveries at once, and
// as many answers may wait for their writes: few, large statements (a
// round's cost is per statement more than per row).
export const CLAIM_TURNS = 5;

// Delivery ends written in one transaction at most.
export const ENDS_PER_WRITE = 100;

// Such writes under way at once (each a connection of the pool).
export const END_WRITERS = 2;

const held: RoundReport = { held: true, written: 0, expired: 0, sent: 0 };

// A delivery as the operator is told of it: never its URL or secret.
const toldOf = (d: DeliveryRecord) => ({ deliveryId: d.id, groupId: d.groupId, serverId: d.serverId, event: d.event, attempts: d.attempts });

export const webhookDeliveries = (deps: WebhookDeliveriesDeps): WebhookDeliveries => {
    const { store, clock, log } = deps;
    const { newId } = deps;
    const telemetry = deps.telemetry ?? noTelemetry;
    let stopped = true;
    let stopping = false;     // set by stop(): no more claims
    let timer: Timer | null = null;
    let running: Promise<unknown> | null = null;

    // Ends are written in groups: the ends that come while one group is
    // written share the next one's transaction.
    // While sends are out, a write waits for half the answers that may wait (or for the window to empty).
    let sending = 0;
    const endGroup = groupWriter((ends: readonly DeliveryEnd[]) => store.complete(ends), {
        max: ENDS_PER_WRITE, writers: END_WRITERS, turn: () => deps.scheduler.turn(), min: Math.ceil(deps.concurrency * CLAIM_TURNS / 2), held: () => sending > 0
    });
    const complete = async (d: DeliveryRecord, step: Completion): Promise<boolean> => {
        // A terminate's end goes on to the delete whatever it said: its row says `left`, the message why.
        const reason = d.event === 'launch' ? step.reason : null;
        const written = await endGroup({
            id: d.id, end: { intentId: d.intentId, event: d.event, stageIndex: d.stageIndex, result: step.result, reason },
            note: step.why, activity: [endRow(d, step.result, reason, `delivery ${d.id}: ${step.why}`)]
        });
        if (written) {
            telemetry.delivery({ ...toldOf(d), kind: 'ended', result: step.result, reason: step.reason, why: step.why });
            deps.kick(d.groupId);
        }

        return written;
    };

    const newDelivery = (stage: RunningStage, listed: NovaServer | undefined, now: Date): NewDelivery | null => {
        const { workflow } = stage;
        if (workflow.type !== 'webhook') {
            return null;
        }

        const id = newId();
        const deadline = new Date(now.getTime() + workflow.timeoutS * 1000);
        const body = storedBody({ event: stage.event, deliveryId: id, tenantId: stage.tenantId, groupId: stage.groupId, server: deliveryServer(stage.serverId, listed), deadline });
        return {
            id, intentId: stage.intentId, event: stage.event, stageIndex: stage.stageIndex, groupId: stage.groupId, serverId: stage.serverId,
            stage: stage.stage, last: stage.last, deadline, timeoutS: workflow.timeoutS, defaultResult: workflow.defaultResult,
            url: workflow.url, secret: workflow.secret, body, callbackRoot: deps.publicRoot ?? workflow.callbackRoot ?? ''
        };
    };

    // A delivery for every webhook stage that has none, to be written as the
    // window takes it (each written before it is sent).
    const prepare = async (now: Date): Promise<NewDelivery[]> => {
        const stages = await store.stagesToDeliver(deps.batch);
        const tenants = [...new Set(stages.map((s) => s.tenantId))];
        const rows: NewDelivery[] = [];
        for (const tenantId of tenants) {
            let listing: readonly NovaServer[] | null;
            try {
                listing = await deps.servers(tenantId);
            }
            catch (err) {
                // Unknown is not zero: the body waits for a listing, as the converger does.
                log(['workflow', 'webhook', 'error'], `servers of ${tenantId} not listed: ${String(errorData(err))}`);
                continue;
            }

            const byId = new Map((listing ?? []).map((s) => [s.id, s]));
            rows.push(...stages.filter((s) => s.tenantId === tenantId).flatMap((s) => newDelivery(s, byId.get(s.serverId), now) ?? []));
        }

        return rows;
    };

    // What an answer makes of the delivery, written.
    const settle = async (d: DueDelivery, answer: DeliveryAnswer): Promise<void> => {
        const step = afterAnswer(d, answer, clock.now());
        switch (step.kind) {
            case 'complete':
                await complete(d, step);
                return;
            case 'retry':
                await store.retryAt(d.id, step.at, step.why);
                telemetry.delivery({ ...toldOf(d), kind: 'retry', at: step.at, why: step.why });
                return;
            case 'await':
                await store.acknowledge(d.id, 'acknowledged: awaiting the callback');
                return;
        }
    };

    // A sliding window of `concurrency` sends over a queue claimed ahead
    // (CLAIM_TURNS windows' worth at a time), up to a batch a round: first
    // the deliveries due again, then the new ones, each written as it is
    // claimed. A send's slot is free once its answer is in: the answer is
    // written meanwhile, in a group with others; the round ends when every
    // answer is written.
    const send = async (fresh: NewDelivery[]): Promise<{ written: number; sent: number }> => {
        const queue: DueDelivery[] = [];
        const writing = new Set<Promise<void>>();
        let claimed = 0;
        let written = 0;
        let dueLeft = true;       // deliveries due again may be waiting
        let exhausted = false;
        let refilling: Promise<void> | null = null;
        const claim = async (): Promise<void> => {
            const want = stopping ? 0 : Math.min(deps.concurrency * CLAIM_TURNS, deps.batch - claimed);
            if (want <= 0) {
                exhausted = true;     // the batch is done, or the loop is stopping
                return;
            }

            const now = clock.now();
            // The claim holds while the queue ahead and the window drain, an attempt's timeout a turn, and one more attempt.
            const turns = 1 + Math.ceil((queue.length + want) / deps.concurrency);
            const leaseUntil = new Date(now.getTime() + turns * deps.attemptTimeoutMs + CLAIM_MARGIN_MS);
            const due = dueLeft ? await store.claimDue(now, leaseUntil, want) : [];
            dueLeft = due.length === want;
            const more = fresh.splice(0, want - due.length);
            const added = more.length === 0 ? [] : await store.addDeliveries(more, now, leaseUntil);
            written += added.length;
            claimed += due.length + added.length;
            queue.push(...due, ...added);
            exhausted = !dueLeft && fresh.length === 0;
        };
        const refill = (): Promise<void> => (exhausted ? Promise.resolve() : refilling ??= claim()
            .catch((err: unknown) => {
                exhausted = true;
                log(['workflow', 'webhook', 'error'], `claim: ${String(errorData(err))}`);
            })
            .finally(() => {
                refilling = null;
            }));
        const next = async (): Promise<DueDelivery | undefined> => {
            await refill();
            return queue.shift();
        };
        const failed = (id: string) => (err: unknown): void => log(['workflow', 'webhook', 'error'], `delivery ${id}: ${String(errorData(err))}`);
        // One send; its answer's write goes on while the window sends the next.
        const attempt = async (d: DueDelivery): Promise<void> => {
            sending++;
            const sent = await deps.sender.send({ url: d.url, deliveryId: d.id, secret: d.secret, body: d.body, now: clock.now() })
                .then((answer) => ({ answer }), (err: unknown) => ({ err }));
            sending--;
            const written = 'err' in sent ? Promise.resolve(failed(d.id)(sent.err)) : settle(d, sent.answer).catch(failed(d.id));
            if (sending === 0) {
                endGroup.flush();
            }

            writing.add(written);
            void written.finally(() => writing.delete(written));
            // Answers come faster than they are written: the window waits for the writes.
            if (writing.size > deps.concurrency * CLAIM_TURNS) {
                await Promise.race(writing);
            }
        };
        // A worker whose claim found nothing left for it ends; the others go on.
        const worker = async (): Promise<void> => {
            for (let d = await next(); d !== undefined; d = queue.shift() ?? await next()) {
                if (queue.length <= deps.concurrency * CLAIM_TURNS) {
                    void refill();
                }

                await attempt(d);
            }
        };

        await Promise.all(Array.from({ length: deps.concurrency }, worker));
        await Promise.all(writing);
        return { written, sent: claimed };
    };

    const runOnce = async (): Promise<RoundReport> => {
        // A kill-switch `all` holds deliveries (contract §7): nothing written, sent or defaulted.
        if (modeInForce(await deps.killSwitches(), deps.region, clock.now()) === 'all') {
            return held;
        }

        const now = clock.now();
        const fresh = await prepare(now);
        const ended = await Promise.all((await store.expired(now, deps.batch)).map((d) => {
            const step = pastDeadline(d, now);
            return step === null ? false : complete(d, step);
        }));
        const expired = ended.filter(Boolean).length;

        return { held: false, expired, ...await send(fresh) };
    };

    const callback = async (token: string, result: 'continue' | 'abandon' | 'heartbeat'): Promise<CallbackAnswer> => {
        const found = await store.lookupToken(token);
        if (found.kind !== 'pending') {
            return found.kind;
        }

        const d = found.delivery;
        // Past the deadline the default holds, whatever arrives before the loop applies it.
        const late = pastDeadline(d, clock.now());
        if (late !== null) {
            await complete(d, late);
            return 'completed';
        }

        if (result === 'heartbeat') {
            return await store.moveDeadline(d.id, afterHeartbeat(d, clock.now())) ? 'done' : 'completed';
        }

        const step: Completion = { kind: 'complete', result, reason: result === 'abandon' ? 'workflow_abandoned' : null, why: `the callback said ${result}` };
        return await complete(d, step) ? 'done' : 'completed';
    };

    // After a round that filled its batch, the next starts at once.
    const schedule = (ms: number): void => {
        timer = stopped ? null : deps.scheduler.after(ms, () => {
            const round = runOnce().then(
                (r) => (r.sent >= deps.batch || r.written >= deps.batch ? 0 : deps.intervalMs),
                (err: unknown) => {
                    log(['workflow', 'webhook', 'error'], errorData(err));
                    return deps.intervalMs;
                });
            running = round;
            void round.then((next) => {
                running = null;
                schedule(next);
            });
        });
    };

    return {
        runOnce,
        callback,
        start: () => {
            stopped = false;
            if (deps.intervalMs > 0) {
                schedule(deps.intervalMs);
            }
        },
        stop: async () => {
            stopped = true;
            stopping = true;
            timer?.cancel();
            timer = null;
            await running;
        }
    };
};
