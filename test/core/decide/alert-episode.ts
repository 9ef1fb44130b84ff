// The alert episode state machine, transition by transition.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { attemptDue, isCircleBack, nextAttemptAt, stepEpisode, warmUp } from '../../../core/decide/alert-episode';
import { type Episode, type EpisodeStep } from '../../../core/model/alert';
import type { AlertState } from '../../../core/model/alert';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const now = new Date('2030-01-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const later = (s: number) => new Date(now.getTime() + s * 1000);

const episode = (state: AlertState, attempts = 0, nextAttemptAt: Date | null = null): Episode => ({ state, lastAt: ago(60), attempts, nextAttemptAt });

interface Case {
    readonly name: string;
    readonly current: Episode | null;
    readonly at: Date;
    readonly to: AlertState;
    readonly kind: EpisodeStep['kind'];
    readonly after?: Partial<Episode>;
}

const cases: Case[] = [
    { name: 'first CRITICAL starts, due now, no attempt yet', current: null, at: ago(1), to: 'CRITICAL', kind: 'start', after: { state: 'CRITICAL', attempts: 0, nextAttemptAt: now, lastAt: ago(1) } },
    { name: 'first OK is noted', current: null, at: ago(1), to: 'OK', kind: 'note', after: { state: 'OK', attempts: 0, nextAttemptAt: null } },
    { name: 'first WARNING is noted', current: null, at: ago(1), to: 'WARNING', kind: 'note', after: { state: 'WARNING' } },
    { name: 'OK → CRITICAL starts', current: episode('OK', 3), at: ago(1), to: 'CRITICAL', kind: 'start', after: { attempts: 0, nextAttemptAt: now } },
    { name: 'WARNING → CRITICAL starts', current: episode('WARNING'), at: ago(1), to: 'CRITICAL', kind: 'start', after: { state: 'CRITICAL' } },
    { name: 'CRITICAL → CRITICAL holds the count and the next attempt', current: episode('CRITICAL', 2, later(30)), at: ago(1), to: 'CRITICAL', kind: 'hold', after: { attempts: 2, nextAttemptAt: later(30), lastAt: ago(1) } },
    { name: 'CRITICAL → OK ends, nothing due', current: episode('CRITICAL', 2, later(30)), at: ago(1), to: 'OK', kind: 'end', after: { state: 'OK', attempts: 2, nextAttemptAt: null } },
    { name: 'CRITICAL → WARNING ends too', current: episode('CRITICAL', 1, later(30)), at: ago(1), to: 'WARNING', kind: 'end', after: { state: 'WARNING', nextAttemptAt: null } },
    { name: 'OK → WARNING is noted', current: episode('OK'), at: ago(1), to: 'WARNING', kind: 'note' },
    { name: 'older than the last seen is stale', current: episode('CRITICAL', 1, later(30)), at: ago(61), to: 'OK', kind: 'stale' },
    { name: 'stale even when it would start one', current: episode('OK'), at: ago(120), to: 'CRITICAL', kind: 'stale' },
    { name: 'the same instant as the last seen is taken', current: episode('OK'), at: ago(60), to: 'CRITICAL', kind: 'start' }
];

describe('stepEpisode', () => {
    for (const c of cases) {
        it(c.name, () => {
            const step = stepEpisode(c.current, { at: c.at, to: c.to }, now);
            expect(step.kind).to.equal(c.kind);
            if (c.after) {
                expect('episode' in step ? step.episode : null).to.include(c.after);
            }

            // A stale transition says how new the last one seen was (the log says so).
            expect(step.kind === 'stale' ? step.lastAt : null).to.equal(c.kind === 'stale' ? c.current?.lastAt ?? null : null);
        });
    }
});

describe('attempts', () => {
    const due: [name: string, episode: Episode, cap: number, expected: boolean][] = [
        ['due, under the cap', episode('CRITICAL', 1, ago(1)), 3, true],
        ['due exactly now', episode('CRITICAL', 0, now), 3, true],
        ['not yet', episode('CRITICAL', 1, later(1)), 3, false],
        ['at the cap', episode('CRITICAL', 3, ago(1)), 3, false],
        ['not CRITICAL', episode('OK', 1, ago(1)), 3, false],
        ['nothing scheduled', episode('CRITICAL', 1, null), 3, false]
    ];
    for (const [name, e, cap, expected] of due) {
        it(`attemptDue: ${name}`, () => {
            expect(attemptDue(e, now, cap)).to.equal(expected);
        });
    }

    it('waits the longest cooldown, at least the floor', () => {
        expect(nextAttemptAt(now, [60, 30], 1000)).to.equal(later(60));
        expect(nextAttemptAt(now, [0, 0], 2000)).to.equal(later(2));
        expect(nextAttemptAt(now, [], 1000)).to.equal(later(1));
    });

    it('only the first attempt is not a circle-back', () => {
        expect([1, 2, 3].map(isCircleBack)).to.equal([false, true, true]);
    });
});

describe('warmUp', () => {

    const base = { now, cooldownsS: [30, 10], floorMs: 2000 };
    const rows: { name: string; attempts: number; warming: boolean; coming: number; expect: ReturnType<typeof warmUp> }[] = [
        { name: 'the transition\'s own attempt is claimed whatever is on its way', attempts: 0, warming: false, coming: 3, expect: { kind: 'claim' } },
        { name: 'a later attempt waits while servers are on their way, looking again after the floor', attempts: 1, warming: false, coming: 2, expect: { kind: 'wait', warming: true, nextAttemptAt: later(2) } },
        { name: 'still warming: still waiting', attempts: 2, warming: true, coming: 1, expect: { kind: 'wait', warming: true, nextAttemptAt: later(2) } },
        { name: 'in service now: the cooldown runs from now', attempts: 1, warming: true, coming: 0, expect: { kind: 'wait', warming: false, nextAttemptAt: later(30) } },
        { name: 'nothing was on its way: claimed', attempts: 1, warming: false, coming: 0, expect: { kind: 'claim' } }
    ];

    for (const row of rows) {
        it(row.name, () => {
            expect(warmUp({ ...base, attempts: row.attempts, warming: row.warming, serversComing: row.coming })).to.equal(row.expect);
        });
    }
});
