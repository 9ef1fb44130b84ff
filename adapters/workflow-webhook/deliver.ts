// One signed delivery attempt to a customer's workflow webhook (contract §7):
// one POST, no redirect followed, at most maxAnswerBytes of the answer read,
// one deadline over connect, headers and body, and the SSRF guard on the
// connection itself. Never throws for anything the network or the receiver
// does: every outcome is a DeliveryAnswer. The outbox decides what comes next.
import type { Agent } from 'undici';
import { request } from 'undici';
import { DeadlinePassed } from '../http/exchange';
import type { AddressPolicy } from './address-policy';
import { answerOf, answerOfFailure, type DeliveryAnswer, type Failure, isSuccess } from './answer';
import { guardedAgent } from './guarded-connect';
import { sign } from './signature';
import { checkUrlShape, type Lookup, systemLookup } from './url-check';

export type { DeliveryAnswer } from './answer';

export interface DeliveryAttempt {
    readonly url: string;
    readonly deliveryId: string;           // X-Autoscale-Delivery, the same on every retry
    readonly secret: string;
    readonly body: string;                 // the exact JSON sent, and signed
    readonly now: Date;                    // the signature's t, and the base for a Retry-After date
}

export interface DeliveryOptions {
    readonly policy: AddressPolicy;
    readonly timeoutMs?: number;
    readonly maxAnswerBytes?: number;
    readonly lookup?: Lookup;
    // A guardedAgent shared across attempts (kept-alive connections); unset: one made and destroyed per attempt.
    readonly agent?: Agent;
}

export const defaultTimeoutMs = 10_000;
export const defaultMaxAnswerBytes = 65_536;

export const deliver = async (attempt: DeliveryAttempt, options: DeliveryOptions): Promise<DeliveryAnswer> => {
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    const maxAnswerBytes = options.maxAnswerBytes ?? defaultMaxAnswerBytes;

    // Scheme, credentials and a literal address are refused before any socket:
    // the connector checks literals too, this makes the answer plain.
    const shape = checkUrlShape(attempt.url, options.policy);
    if (!shape.ok) {
        return { kind: 'refused', reason: `url ${shape.reason}` };
    }

    const agent = options.agent ?? guardedAgent(options.policy, options.lookup ?? systemLookup, timeoutMs);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // The abort frees the socket; the race holds the deadline even if
    // something is slow to honour the signal.
    const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
            const err = new DeadlinePassed(timeoutMs);
            controller.abort(err);
            reject(err);
        }, timeoutMs);
    });

    try {
        return await Promise.race([exchange(attempt, shape.url, agent, controller.signal, maxAnswerBytes), deadline]);
    }
    catch (err) {
        return scrub(answerOfFailure(err), attempt.secret);
    }
    finally {
        clearTimeout(timer);
        // Closes the connection whatever state it is in: an answer past the
        // cap or a hanging receiver holds no socket after this. (A shared
        // agent's connection is closed by the abort, and by its owner.)
        if (options.agent === undefined) {
            await agent.destroy().catch(() => undefined);
        }
    }
};

// undici 7 follows a redirect only through its redirect interceptor, which
// this Agent does not compose: a 3xx comes back here as the answer, and its
// Location is never dialled.
const exchange = async (attempt: DeliveryAttempt, url: URL, agent: Agent, signal: AbortSignal, maxAnswerBytes: number): Promise<DeliveryAnswer> => {
    const unixSeconds = Math.floor(attempt.now.getTime() / 1000);
    const res = await request(url, {
        dispatcher: agent,
        method: 'POST',
        headers: {
            'content-type': 'application/json',
            'user-agent': 'nova-autoscale',
            'x-autoscale-delivery': attempt.deliveryId,
            'x-autoscale-signature': sign(attempt.secret, unixSeconds, attempt.body)
        },
        body: attempt.body,
        signal
    });

    const retryAfter = res.headers['retry-after'];
    const received = {
        status: res.statusCode,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        ...(isSuccess(res.statusCode) ? await readCapped(res.body, maxAnswerBytes) : skip(res.body))
    };
    return answerOf(received, attempt.now.getTime());
};

type Body = Awaited<ReturnType<typeof request>>['body'];

// Destroying an unread body fails it with "Request aborted": expected here,
// so it is listened for and dropped rather than left to crash the process.
const discard = (body: Body): void => {
    body.on('error', () => undefined).destroy();
};

// Only a 2xx body can carry a result; any other is not read at all.
const skip = (body: Body): { body: null; bodyTooLong: false } => {
    discard(body);
    return { body: null, bodyTooLong: false };
};

// Reads until the end or one byte past the cap; past it, the stream (and its
// socket) is destroyed rather than drained, so a receiver cannot hold us.
const readCapped = async (body: Body, maxBytes: number): Promise<{ body: string | null; bodyTooLong: boolean }> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
        const buffer = chunk as Buffer;
        size += buffer.length;
        if (size > maxBytes) {
            discard(body);
            return { body: null, bodyTooLong: true };
        }

        chunks.push(buffer);
    }

    return { body: Buffer.concat(chunks).toString('utf8'), bodyTooLong: false };
};

// The secret goes into the HMAC and nowhere else; this keeps it out of a
// reason even if some error were ever to echo what it was given.
const scrub = (answer: Failure, secret: string): DeliveryAnswer =>
    secret !== '' && answer.reason.includes(secret)
        ? { ...answer, reason: answer.reason.split(secret).join('[secret]') }
        : answer;
