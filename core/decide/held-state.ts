// A group's state shows a kill-switch that holds its convergence, as an entry
// of `errors: [{message}]` (contract §4 lists no other place): without it a
// tenant sees desired unmet and nothing saying why, unless they read the
// activity log. Derived at each read from the switches in force, so it goes
// the moment the switch lifts or expires. The status stays what it is: a hold
// is an operator's choice, not a failure of the group.
import type { Group } from '../model/group';
import { holdingSwitch, holdWords, type KillSwitch } from '../model/kill-switch';

export const withHold = (group: Group, killSwitches: readonly KillSwitch[], region: string | null, now: Date): Group => {
    const { state } = group;
    const serving = state.activeCapacity + state.pendingCapacity;
    const held = holdingSwitch(killSwitches, region, serving, state.desiredCapacity, now);
    if (held === null) {
        return group;
    }

    const message = `Desired ${state.desiredCapacity}, ${serving} in service or on the way: ${holdWords(held, serving, state.desiredCapacity)}`;
    return { ...group, state: { ...state, errors: [...state.errors, { message }] } };
};
