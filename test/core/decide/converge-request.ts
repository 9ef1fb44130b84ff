// A converge asked for by hand: accepted unless the group is paused, and
// recorded either way with desired unchanged.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { decideConvergeRequest } from '../../../core/decide/converge-request';
import type { ActivityInput } from '../../../core/model/activity';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

interface Row {
    readonly name: string;
    readonly desired: number;
    readonly paused: boolean;
    readonly expect: [accepted: boolean, outcome: ActivityInput['outcome'], reason: ActivityInput['reason'], message: string];
}

const rows: Row[] = [
    { name: 'a running group: requested', desired: 5, paused: false, expect: [true, 'accepted', 'converge_requested', 'Converge requested'] },
    { name: 'a running group at 0: requested', desired: 0, paused: false, expect: [true, 'accepted', 'converge_requested', 'Converge requested'] },
    { name: 'a paused group: refused paused', desired: 5, paused: true, expect: [false, 'refused', 'paused', 'Converge refused: the group is paused'] }
];

describe('decideConvergeRequest', () => {
    for (const row of rows) {
        it(row.name, () => {
            const [accepted, outcome, reason, message] = row.expect;
            expect(decideConvergeRequest({ desired: row.desired, paused: row.paused, who: 'dave' })).to.equal({
                accepted,
                activity: { source: 'manual', kind: 'converge', outcome, reason, message, desiredBefore: row.desired, desiredAfter: row.desired, who: 'dave' }
            });
        });
    }
});
