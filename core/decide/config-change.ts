// A new group config whose bounds no longer hold desired moves desired to the
// nearest bound, and says so in the activity log. The config is the tenant's
// to change under any kill-switch; what a switch changes is what follows: when
// it holds the creates (or deletes) the new desired asks for, the row says so.
import { clamp } from '../model/bounds';
import type { GroupConfig } from '../model/group';
import { holdingSwitch, holdWords, type KillSwitch } from '../model/kill-switch';
import type { ActivityInput } from '../model/activity';

export interface ConfigChangeInput {
    readonly desired: number;
    readonly serving: number;                    // in service or on the way (active + pending): what the converger starts from
    readonly next: GroupConfig;
    readonly who: string;
    readonly killSwitches: readonly KillSwitch[];
    readonly region: string | null;
    readonly now: Date;
}

export const decideConfigChange = (input: ConfigChangeInput): { readonly desired: number; readonly activity: ActivityInput | null } => {
    const { desired: before, next } = input;
    const desired = clamp(before, next);
    if (desired === before) {
        return { desired, activity: null };
    }

    const raised = desired > before;
    const moved = raised ?
        `minEntities ${next.minEntities} is above desired ${before}: desired raised to ${desired}` :
        `maxEntities ${next.maxEntities} is below desired ${before}: desired lowered to ${desired}`;
    // Judged against what is there, as the converger will: desired moving back to it waits for nothing.
    const held = holdingSwitch(input.killSwitches, input.region, input.serving, desired, input.now);
    return {
        desired,
        activity: {
            source: 'manual',
            kind: 'config',
            // The change is made (config stored, desired moved): only its servers wait.
            outcome: 'accepted',
            reason: held ? 'kill_switch' : raised ? 'at_min' : 'at_max',
            message: held ? `${moved}; ${holdWords(held, input.serving, desired)}` : moved,
            desiredBefore: before,
            desiredAfter: desired,
            who: input.who
        }
    };
};
