// Reason codes: stable, documented (docs/contract.md §4), the same in activity
// rows and in a refused execute's `details.reason`.
export type RefusalReason =
    | 'deleting'      // a forced delete is under way: nothing moves desired again
    | 'paused'        // beats everything else, force included
    | 'kill_switch'   // a kill-switch in force for the group's region or globally
    | 'override'      // an override pins the level the policy would move
    | 'cooldown'      // the group's or the policy's cooldown has not passed
    | 'at_max'        // the maximum clamped the result back to the current desired
    | 'at_min'        // the minimum did
    | 'no_change';    // the result equals desired with no bound involved

export type AcceptReason =
    | 'policy'        // the policy moved desired
    | 'forced'        // an admin forced it (cooldown skipped)
    | 'circle_back';  // the alert stayed CRITICAL past the cooldown: tried again

export type ReasonCode = RefusalReason | AcceptReason;
