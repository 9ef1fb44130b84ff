// A new group config whose bounds no longer hold desired moves desired to the
// nearest bound, and says so in the activity log.
import { clamp } from '../model/bounds';
import type { ConfigChange } from '../ports/store';

export const configChange = (who: string): ConfigChange => (current, next) => {
    const before = current.state.desiredCapacity;
    const desired = clamp(before, next);
    if (desired === before) {
        return { desired, activity: null };
    }

    const reason = desired > before ? 'at_min' : 'at_max';
    return {
        desired,
        activity: {
            source: 'manual',
            kind: 'config',
            outcome: 'accepted',
            reason,
            message: desired > before ?
                `minEntities ${next.minEntities} is above desired ${before}: desired raised to ${desired}` :
                `maxEntities ${next.maxEntities} is below desired ${before}: desired lowered to ${desired}`,
            desiredBefore: before,
            desiredAfter: desired,
            who
        }
    };
};
