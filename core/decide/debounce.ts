// Triggers of one policy that arrive within the window after a decision
// coalesce into it (contract §4); a forced trigger never does.
export const coalesces = (lastDecisionAt: Date | null, now: Date, windowMs: number, forced: boolean): boolean =>
    !forced && lastDecisionAt !== null && now.getTime() - lastDecisionAt.getTime() < windowMs;
