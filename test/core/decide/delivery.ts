// A webhook delivery's steps (core/decide/delivery.ts), as a table: each
// answer, the deadline, a heartbeat.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { afterAnswer, afterHeartbeat, pastDeadline, retryDelayMs, type Delivery, type DeliveryAnswer, type DeliveryStep } from '../../../core/decide/delivery';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const t0 = new Date('2030-01-01T12:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

const delivery = (over: Partial<Delivery> = {}): Delivery =>
    ({ attempts: 1, firstSentAt: t0, deadline: at(300), timeoutS: 300, defaultResult: 'abandon', acknowledged: false, ...over });

describe('afterAnswer', () => {

    const rows: { name: string; d?: Partial<Delivery>; answer: DeliveryAnswer; now?: number; expect: DeliveryStep }[] = [
        { name: 'continue completes', answer: { kind: 'completed', result: 'continue' }, expect: { kind: 'complete', result: 'continue', reason: null, why: 'the webhook answered continue' } },
        { name: 'abandon completes, abandoned', answer: { kind: 'completed', result: 'abandon' }, expect: { kind: 'complete', result: 'abandon', reason: 'workflow_abandoned', why: 'the webhook answered abandon' } },
        { name: 'an acknowledgement awaits the callback', answer: { kind: 'acknowledged' }, expect: { kind: 'await' } },
        { name: 'a final 4xx applies the default, failed', d: { defaultResult: 'continue' }, answer: { kind: 'final', status: 404 }, expect: { kind: 'complete', result: 'continue', reason: 'workflow_failed', why: 'the webhook answered 404: continue, the default' } },
        { name: 'a refused address applies the default, refused', answer: { kind: 'refused', reason: 'loopback' }, expect: { kind: 'complete', result: 'abandon', reason: 'workflow_refused', why: 'not sent: loopback' } },
        { name: 'the first retry waits 1 s', answer: { kind: 'retry', reason: '503' }, now: 5, expect: { kind: 'retry', at: at(6), why: '503' } },
        { name: 'the fourth waits 8 s', d: { attempts: 4 }, answer: { kind: 'retry', reason: 'timeout' }, now: 20, expect: { kind: 'retry', at: at(28), why: 'timeout' } },
        { name: 'a Retry-After longer than ours is honoured', answer: { kind: 'retry', reason: '429', retryAfterS: 30 }, expect: { kind: 'retry', at: at(30), why: '429' } },
        { name: 'a Retry-After shorter than ours is not', d: { attempts: 3 }, answer: { kind: 'retry', reason: '429', retryAfterS: 1 }, expect: { kind: 'retry', at: at(4), why: '429' } },
        {
            name: 'a retry that would come at or past the deadline applies the default, timed out', answer: { kind: 'retry', reason: 'ECONNREFUSED' }, now: 299,
            expect: { kind: 'complete', result: 'abandon', reason: 'workflow_timeout', why: 'no answer before the deadline (last: ECONNREFUSED): abandon, the default' }
        }
    ];

    for (const row of rows) {
        it(row.name, () => {
            expect(afterAnswer(delivery(row.d), row.answer, at(row.now ?? 0))).to.equal(row.expect);
        });
    }

    it('waits at most 60 s between attempts, however many came before', () => {
        expect([1, 2, 6, 7, 8, 100].map(retryDelayMs)).to.equal([1000, 2000, 32_000, 60_000, 60_000, 60_000]);
    });
});

describe('pastDeadline', () => {

    it('applies the default at the deadline, not before', () => {
        expect(pastDeadline(delivery(), at(299))).to.be.null();
        expect(pastDeadline(delivery({ defaultResult: 'continue' }), at(300))).to.equal({
            kind: 'complete', result: 'continue', reason: 'workflow_timeout', why: 'no result by 2030-01-01T12:05:00.000Z: continue, the default'
        });
    });
});

describe('afterHeartbeat', () => {

    it('moves the deadline timeoutS from now, never closer, at most 10 × timeoutS after the first delivery', () => {
        expect(afterHeartbeat(delivery(), at(100))).to.equal(at(400));
        expect(afterHeartbeat(delivery({ deadline: at(500) }), at(100))).to.equal(at(500));
        expect(afterHeartbeat(delivery({ deadline: at(2900) }), at(2800))).to.equal(at(3000));
        expect(afterHeartbeat(delivery({ firstSentAt: null }), at(10))).to.equal(at(310));
    });
});
