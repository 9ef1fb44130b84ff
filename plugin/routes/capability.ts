// The anonymous capability URL (contract §4): POST /v1.0/execute/1/{capability}/.
// It answers 202 with no body to everyone, whatever the capability or the body,
// and as soon for a real capability as for an unknown one, so a caller learns
// nothing about which capabilities exist. (A body that stops arriving is
// answered 408 before the capability is looked at: plugin/body-timeout.ts.)
import { DomainError } from '../../core/model/errors';
import Boom from '@hapi/boom';
import type { Request, ResponseToolkit, ServerRoute } from '@hapi/hapi';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { alertmanagerEventId, classifyBody, type AlertmanagerNotification, type CapabilityBody } from '../intake/alertmanager';
import { GroupId, PolicyId, TenantId, WebhookId } from '../../core/model/ids';
import type { CapabilityTarget } from '../../core/model/policy';
import type { TriggerRequest } from '../../core/model/trigger';
import type { Context } from '../context';
import { checkedTransition } from '../intake/alerts';
import { answerFloor, type AnswerFloor } from '../intake/answer-floor';

// Bodies past this are not read (the route still answers 202; see failAction).
export const CAPABILITY_MAX_BYTES = 1024 * 1024;

// The same SHA-256 as adapters/store/capability.ts stores; computed for every
// path, well-formed or not, so a malformed capability costs what a real one does.
const hashOf = (capability: string): string => createHash('sha256').update(capability).digest('hex');

// `{capability*}` also takes an empty or multi-segment path, so that no
// capability, however malformed, reaches the catch-all's 404; one trailing
// slash (the documented URL's) is not part of it.
const capabilityOf = (request: Request): string => {
    const raw: unknown = request.params.capability;
    const text = typeof raw === 'string' ? raw : '';
    return text.endsWith('/') ? text.slice(0, -1) : text;
};

// Up to `max` bytes of the body; past that (or on a broken stream) null. The
// rest is still read and dropped, not reset: hapi's own limit destroys the
// socket mid-upload, and the client would see that instead of a 202. Read by
// events, not async iteration: an iterator that stops on an error destroys the
// request, and with it the socket the 408 of a stalled body must go out on.
const readBounded = (stream: Readable, raw: IncomingMessage, max: number): Promise<Buffer | null> => new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: () => void): void => {
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('error', onError);
        stream.off('close', onClose);
        raw.off('error', onError);
        raw.off('close', onRawClose);
        outcome();
    };
    const onData = (chunk: unknown): void => {
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
        size += bytes.length;
        if (size <= max) {
            chunks.push(bytes);
        }
    };
    const onEnd = (): void => settle(() => resolve(size <= max ? Buffer.concat(chunks) : null));
    // The body timeout (plugin/body-timeout.ts) is the request's to answer; any other failure is a bad body.
    const onError = (err: unknown): void => settle(() => (isBodyTimeout(err) ? reject(err) : resolve(null)));
    const onClose = (): void => settle(() => resolve(null));
    // A request that closes complete may still have bytes on their way through `stream`.
    const onRawClose = (): void => {
        if (!raw.complete) {
            onClose();
        }
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
    // A tapped body (a host listening to 'peek') is a stream of its own: the request's errors and close do not reach it.
    if (raw !== stream) {
        raw.once('error', onError);
        raw.once('close', onRawClose);
    }
});

const isBodyTimeout = (err: unknown): boolean => Boom.isBoom(err) && err.output.statusCode === 408;

const isReadable = (value: unknown): value is Readable =>
    typeof value === 'object' && value !== null && typeof (value as { on?: unknown }).on === 'function' && typeof (value as { read?: unknown }).read === 'function';

// A body announced past the limit never reaches a stream (hapi refuses it, then
// drains it; failAction lets the handler run with no payload).
const bodyOf = (request: Request): Promise<Buffer | null> => {
    const payload: unknown = request.payload;
    return isReadable(payload) ? readBounded(payload, request.raw.req, CAPABILITY_MAX_BYTES) : Promise.resolve(null);
};

// A plain POST runs the policy, as the webhook's own trigger.
const triggerOf = (target: CapabilityTarget, requestId: string): TriggerRequest => ({
    tenantId: target.tenantId, groupId: target.groupId, policyId: target.policyId,
    source: 'webhook', eventId: null, forced: false, circleBack: false, who: 'capability', note: null, requestId
});

// firing → CRITICAL (runs the policy, circles back while it stays so);
// resolved → OK (ends the episode).
const alertmanager = (context: Context, target: CapabilityTarget, notification: AlertmanagerNotification, requestId: string) => {
    const firing = notification.status === 'firing';
    return context.engine.alerts.transition(checkedTransition({
        tenantId: target.tenantId, ruleId: `webhook:${target.webhookId}`, entityId: notification.groupKey,
        eventId: alertmanagerEventId(target.webhookId, notification),
        at: context.settings.clock.now(), from: firing ? 'OK' : 'CRITICAL', to: firing ? 'CRITICAL' : 'OK',
        actions: [{ type: 'autoscale', groupId: target.groupId, policyId: target.policyId }],
        requestId
    }));
};

const act = async (context: Context, target: CapabilityTarget, body: CapabilityBody, requestId: string): Promise<void> => {
    switch (body.kind) {
        case 'plain':
            await context.engine.supervisor.trigger(triggerOf(target, requestId));
            return;
        case 'alertmanager':
            await alertmanager(context, target, body.notification, requestId);
            return;
        case 'rejected':
            await context.engine.groups.recordRejectedBody(target, body.why);
            return;
    }
};

// Ids no row has (ours are random v4 UUIDs): what an unknown capability's work is done against.
const NIL = '00000000-0000-0000-0000-000000000000';
const NOBODY: CapabilityTarget = { tenantId: TenantId(NIL), groupId: GroupId(NIL), policyId: PolicyId(NIL), webhookId: WebhookId(NIL) };

// An unknown capability does the work a real one's body asks for, against
// nothing, so that the answer takes as long either way: a trigger's read,
// decision and compare-and-set through the store's decoy (it finds no row and
// writes none), or the rejected body's INSERT ... SELECT, which finds no group.
// An Alertmanager body costs a trigger here; the episode's own bookkeeping
// (its event id and row) is not played, as it would write: the answer floor
// of that kind of body makes up the difference.
const actOnNothing = async (context: Context, body: CapabilityBody, requestId: string): Promise<void> => {
    if (body.kind === 'rejected') {
        await context.engine.groups.recordRejectedBody(NOBODY, body.why);
        return;
    }

    await context.engine.supervisor.decoy(triggerOf(NOBODY, requestId));
};

// Why the work stays inside the request rather than after an early 202: the
// 202 promises that the trigger is written (its decision and activity row are
// committed before the answer leaves), and a process killed between an early
// answer and that commit would lose an accepted trigger. So both paths do the
// same work before answering instead: the same lookup, then the same
// statements, one finding its rows and the other none; and both answer at the
// same floor (plugin/intake/answer-floor.ts), which covers what finding rows
// and writing them costs.
const execute = async (context: Context, floor: AnswerFloor, request: Request): Promise<void> => {
    // Read and classified for every capability alike (pure, no I/O). A body
    // that stalls is answered 408 from here, before anything is looked up.
    const body = classifyBody(await bodyOf(request));
    const hash = hashOf(capabilityOf(request));
    const started = performance.now();
    let real = false;
    try {
        const target = await context.engine.groups.findCapability(hash);
        real = target !== null;
        await (target ? act(context, target, body, request.info.id) : actOnNothing(context, body, request.info.id));
    }
    catch (err) {
        // The database out of reach: nothing could be written, so nothing is
        // accepted (503 with Retry-After). It tells nothing either: a made-up
        // capability's lookup fails the same way.
        if (err instanceof DomainError && err.kind === 'unavailable') {
            throw err;
        }

        // Not the caller's business (it would tell a real capability from a
        // made-up one); the operator's, through the server's request log.
        request.log(['nova-autoscale', 'supervisor', 'capability', 'error'], err instanceof Error ? err.message : String(err));
    }

    if (real) {
        floor.record(body.kind, performance.now() - started);
    }

    await floor.wait(body.kind, started);
};

const accepted = (h: ResponseToolkit) => h.response().code(202);

export const capabilityRoutes = (context: Context): ServerRoute[] => {
    const floor = answerFloor(context.engine.scheduler);
    return [{
        method: 'POST',
        path: '/v1.0/execute/1/{capability*}',
        options: {
            auth: false,
            // Raw bytes, any content type, read by readBounded; a body we could
            // not read is refused like any bad body, never answered with a 4xx
            // (but 408 for one that stopped arriving: plugin/body-timeout.ts).
            payload: { parse: false, output: 'stream', maxBytes: CAPABILITY_MAX_BYTES, failAction: 'log' }
        },
        handler: async (request, h) => {
            await execute(context, floor, request);
            return accepted(h);
        }
    }];
};
