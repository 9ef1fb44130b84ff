// A new group config whose bounds no longer hold desired moves desired to the
// nearest bound, and says so in the activity log.
import { clamp } from '../model/bounds';
import type { GroupConfig } from '../model/group';
import type { ActivityInput } from '../model/activity';

export const decideConfigChange = (input: { readonly desired: number; readonly next: GroupConfig; readonly who: string }): { readonly desired: number; readonly activity: ActivityInput | null } => {
    const { desired: before, next } = input;
    const desired = clamp(before, next);
    if (desired === before) {
        return { desired, activity: null };
    }

    const raised = desired > before;
    return {
        desired,
        activity: {
            source: 'manual',
            kind: 'config',
            outcome: 'accepted',
            reason: raised ? 'at_min' : 'at_max',
            message: raised ?
                `minEntities ${next.minEntities} is above desired ${before}: desired raised to ${desired}` :
                `maxEntities ${next.maxEntities} is below desired ${before}: desired lowered to ${desired}`,
            desiredBefore: before,
            desiredAfter: desired,
            who: input.who
        }
    };
};
