// Pause and resume: a row only when the flag changes.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { decidePause } from '../../../core/decide/pause';
import type { ActivityInput } from '../../../core/model/activity';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const pauseRow: ActivityInput = {
    source: 'manual', kind: 'pause', outcome: 'done', reason: 'paused',
    message: 'Group paused: no trigger moves desired and nothing converges', desiredBefore: null, desiredAfter: null, who: 'erin'
};
const resumeRow: ActivityInput = {
    source: 'manual', kind: 'resume', outcome: 'done', reason: 'resumed', message: 'Group resumed', desiredBefore: null, desiredAfter: null, who: 'erin'
};

const rows: { readonly name: string; readonly paused: boolean; readonly pause: boolean; readonly expect: ActivityInput | null }[] = [
    { name: 'pausing a running group writes the pause row', paused: false, pause: true, expect: pauseRow },
    { name: 'resuming a paused group writes the resume row', paused: true, pause: false, expect: resumeRow },
    { name: 'pausing a paused group writes nothing', paused: true, pause: true, expect: null },
    { name: 'resuming a running group writes nothing', paused: false, pause: false, expect: null }
];

describe('decidePause', () => {
    for (const row of rows) {
        it(row.name, () => {
            expect(decidePause({ paused: row.paused, pause: row.pause, who: 'erin' })).to.equal(row.expect);
        });
    }
});
