// Pausing or resuming a group leaves an activity row only when the flag
// changes: asking again for the state it is in writes nothing.
import type { ActivityInput } from '../model/activity';

// null: already in that state, nothing to write
export const decidePause = (input: { readonly paused: boolean; readonly pause: boolean; readonly who: string }): ActivityInput | null =>
    input.paused === input.pause ? null : {
        source: 'manual', kind: input.pause ? 'pause' : 'resume', outcome: 'done', reason: input.pause ? 'paused' : 'resumed',
        message: input.pause ? 'Group paused: no trigger moves desired and nothing converges' : 'Group resumed',
        desiredBefore: null, desiredAfter: null, who: input.who
    };
