// A converge asked for by hand (contract §4) is recorded, or refused `paused`;
// either way it leaves its activity row.
import type { ActivityInput } from '../model/activity';

export const decideConvergeRequest = (input: { readonly desired: number; readonly paused: boolean; readonly who: string }): { readonly accepted: boolean; readonly activity: ActivityInput } => ({
    accepted: !input.paused,
    activity: {
        source: 'manual', kind: 'converge', outcome: input.paused ? 'refused' : 'accepted', reason: input.paused ? 'paused' : 'converge_requested',
        message: input.paused ? 'Converge refused: the group is paused' : 'Converge requested',
        desiredBefore: input.desired, desiredAfter: input.desired, who: input.who
    }
});
