// A config change moves desired to the nearest new bound, with a row saying
// so; bounds that still hold desired move nothing and write nothing.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { decideConfigChange } from '../../../core/decide/config-change';
import type { GroupConfig } from '../../../core/model/group';
import type { ActivityInput } from '../../../core/model/activity';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const config = (c: Partial<GroupConfig>): GroupConfig => ({ name: 'web', cooldown: 60, minEntities: 1, maxEntities: 10, metadata: {}, ...c });

interface Row {
    readonly name: string;
    readonly desired: number;
    readonly next: Partial<GroupConfig>;
    readonly expect: [desired: number, reason: ActivityInput['reason'] | null, message: string | null];
}

const rows: Row[] = [
    { name: 'bounds that hold desired: nothing moves', desired: 5, next: {}, expect: [5, null, null] },
    { name: 'desired exactly on both new bounds: nothing moves', desired: 5, next: { minEntities: 5, maxEntities: 5 }, expect: [5, null, null] },
    { name: 'no maximum: only the ceiling, desired stays', desired: 900, next: { maxEntities: null }, expect: [900, null, null] },
    { name: 'a minimum above desired raises it', desired: 5, next: { minEntities: 7 }, expect: [7, 'at_min', 'minEntities 7 is above desired 5: desired raised to 7'] },
    { name: 'a maximum below desired lowers it', desired: 5, next: { maxEntities: 3 }, expect: [3, 'at_max', 'maxEntities 3 is below desired 5: desired lowered to 3'] },
    { name: 'a maximum of 0 lowers desired to 0', desired: 5, next: { minEntities: 0, maxEntities: 0 }, expect: [0, 'at_max', 'maxEntities 0 is below desired 5: desired lowered to 0'] },
    { name: 'from 0 a minimum of 1 raises it', desired: 0, next: {}, expect: [1, 'at_min', 'minEntities 1 is above desired 0: desired raised to 1'] }
];

describe('decideConfigChange', () => {
    for (const row of rows) {
        it(row.name, () => {
            const [desired, reason, message] = row.expect;
            expect(decideConfigChange({ desired: row.desired, next: config(row.next), who: 'frank' })).to.equal({
                desired,
                activity: reason === null || message === null ? null : {
                    source: 'manual', kind: 'config', outcome: 'accepted', reason, message, desiredBefore: row.desired, desiredAfter: desired, who: 'frank'
                }
            });
        });
    }
});
