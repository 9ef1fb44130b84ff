// Scale-down order, tie-break by tie-break (contract §3).
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { compareForScaleDown, orderScaleDown, pickScaleDown, type ScaleDownCandidate, type ScaleDownPhase } from '../../../core/converge/order';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const t0 = new Date('2030-01-01T00:00:00Z').getTime();

// [server id, phase, minutes after t0]
type Row = readonly [string, ScaleDownPhase, number];

const candidate = ([serverId, phase, minute]: Row): ScaleDownCandidate =>
    ({ serverId, intentId: `i-${serverId}`, phase, createdAt: new Date(t0 + minute * 60_000) });

interface Case {
    readonly name: string;
    readonly rows: readonly Row[];
    readonly order: readonly string[];
}

const cases: Case[] = [
    { name: 'nothing to order', rows: [], order: [] },
    { name: 'building before active, even an older build', rows: [['a', 'active', 9], ['b', 'building', 1]], order: ['b', 'a'] },
    { name: 'newest active first', rows: [['a', 'active', 1], ['b', 'active', 3], ['c', 'active', 2]], order: ['b', 'c', 'a'] },
    { name: 'newest building first', rows: [['a', 'building', 1], ['b', 'building', 3]], order: ['b', 'a'] },
    { name: 'same create time: higher server id first', rows: [['0a', 'active', 1], ['0b', 'active', 1], ['09', 'active', 1]], order: ['0b', '0a', '09'] },
    { name: 'id tie-break by code unit, not numeric value', rows: [['10', 'active', 1], ['9', 'active', 1]], order: ['9', '10'] },
    { name: 'id tie-break is case-sensitive code-unit order', rows: [['B', 'active', 1], ['a', 'active', 1]], order: ['a', 'B'] },
    { name: 'create time beats id', rows: [['z', 'active', 1], ['a', 'active', 2]], order: ['a', 'z'] },
    { name: 'phase beats create time and id', rows: [['z', 'active', 5], ['a', 'building', 1]], order: ['a', 'z'] },
    {
        name: 'mixed: builds newest first, then actives newest first, ties by id',
        rows: [['s1', 'active', 1], ['s2', 'active', 4], ['s3', 'building', 5], ['s4', 'active', 4], ['s5', 'building', 2], ['s6', 'active', 0]],
        order: ['s3', 's5', 's4', 's2', 's1', 's6']
    }
];

describe('orderScaleDown', () => {
    for (const c of cases) {
        it(c.name, () => {
            const input = c.rows.map(candidate);
            expect(orderScaleDown(input).map((x) => x.serverId)).to.equal([...c.order]);
            // Any input order gives the same answer: the sort is total.
            expect(orderScaleDown([...input].reverse()).map((x) => x.serverId)).to.equal([...c.order]);
        });
    }

    it('does not reorder its input', () => {
        const input = [candidate(['a', 'active', 1]), candidate(['b', 'building', 1])];
        orderScaleDown(input);
        expect(input.map((x) => x.serverId)).to.equal(['a', 'b']);
    });

    it('compares a candidate equal to itself', () => {
        const a = candidate(['a', 'active', 1]);
        expect(compareForScaleDown(a, a)).to.equal(0);
    });

    it('picks the first n, and none for zero or a negative count', () => {
        const rows: Row[] = [['a', 'active', 1], ['b', 'active', 2], ['c', 'building', 0]];
        const input = rows.map(candidate);
        expect(pickScaleDown(input, 2).map((x) => x.serverId)).to.equal(['c', 'b']);
        expect(pickScaleDown(input, 9).map((x) => x.serverId)).to.equal(['c', 'b', 'a']);
        expect(pickScaleDown(input, 0)).to.equal([]);
        expect(pickScaleDown(input, -1)).to.equal([]);
    });
});
