// The activity log's words (design idea 2): every decision and every
// convergence step leaves one row saying what came in, what was decided and
// why. `Reason` is every reason a row can carry; docs/reasons.md lists
// exactly these (test/core/model/reasons.ts checks), and none is ever renamed.
import type { ActivityId, PolicyId } from './ids';

const as = <T extends string>(...values: T[]): readonly T[] => values;

// A trigger's decision (core/decide/policy.ts), in the order contract §4 checks them.
export const refusalReasons = as('deleting', 'paused', 'kill_switch', 'override', 'cooldown', 'at_max', 'at_min', 'no_change');
export type RefusalReason = typeof refusalReasons[number];
export const acceptReasons = as('policy', 'forced', 'circle_back');
export type AcceptReason = typeof acceptReasons[number];
export type DecisionReason = RefusalReason | AcceptReason;
// A trigger within the debounce window of a decision joins it.
export type TriggerReason = DecisionReason | 'debounced';

// Other writes a tenant or an operator asks for.
export const requestReasons = as('debounced', 'resumed', 'converge_requested', 'remove_server', 'replace_server', 'rejected_body', 'schedule_missed');

// The converger's: why a server is deleted, an intent retired, a plan held, a server created.
// A launch workflow that ended without putting its server in service (contract §7).
export const workflowFailureReasons = as('workflow_abandoned', 'workflow_timeout', 'workflow_failed', 'workflow_refused', 'load_balancer');
export type WorkflowFailureReason = typeof workflowFailureReasons[number];
export const failureReasons = as('error', 'build_timeout', 'deleted_state', 'shutoff', ...workflowFailureReasons);
export type FailureReason = typeof failureReasons[number];
export const deleteReasons = as(...failureReasons, 'scale_down', 'orphan', 'delete_unconfirmed');
export type DeleteReason = typeof deleteReasons[number];
export const retireReasons = as('create_lost', 'deleted', 'vanished', 'disowned');
export type RetireReason = typeof retireReasons[number];
export const holdReasons = as('listing_unknown', 'paused', 'kill_switch');
export type HoldReason = typeof holdReasons[number];
export const createReasons = as('replace', 'scale_up');
export type CreateReason = typeof createReasons[number];
export const convergerReasons = as('adopted', 'recovered', 'group_error', 'backoff', 'storm_guard', 'joining', 'in_service', 'leaving', 'left', 'load_balancer_busy', 'replanned');

// Why a call to Nova failed (core/model/server.ts): a failed step's reason.
export const computeErrorKinds = as(
    'bad_request',    // 400: the customer's launch config (bad image, flavor, network)
    'unauthorized',   // 401 after one re-authentication
    'quota',          // 403: quota or policy
    'not_found',      // 404
    'over_limit',     // 413/429: rate limited; retryAfterS when Nova says
    'unavailable',    // 503; retryAfterS when Nova says
    'server_error',   // other 5xx
    'timeout',        // no answer in time: the request may or may not have happened
    'network',        // could not reach Nova
    // Raised by the guarded compute without a request to Nova; expected outcomes the converger records.
    'breaker_open',   // the region's breaker is open: Nova is failing, nothing was sent
    'held'            // Retry-After not yet elapsed, or over the creation budget; retryAfterS = seconds to wait
);
export type ComputeErrorKind = typeof computeErrorKinds[number];

export const reasons: readonly string[] = [...new Set([
    ...refusalReasons, ...acceptReasons, ...requestReasons, ...deleteReasons, ...retireReasons, ...holdReasons, ...createReasons,
    ...convergerReasons, ...computeErrorKinds
])];
export type Reason =
    | TriggerReason | typeof requestReasons[number] | DeleteReason | RetireReason | HoldReason | CreateReason
    | typeof convergerReasons[number] | ComputeErrorKind;

export type ActivitySource = 'alert' | 'webhook' | 'schedule' | 'manual' | 'converger' | 'admin';
export type ActivityOutcome = 'accepted' | 'refused' | 'coalesced' | 'done' | 'failed';

export interface ActivityInput {
    readonly source: ActivitySource;
    readonly kind: string;
    readonly outcome: ActivityOutcome;
    readonly reason: Reason;
    readonly message: string;
    readonly desiredBefore: number | null;
    readonly desiredAfter: number | null;
    readonly who: string;
}

export interface Activity extends ActivityInput {
    readonly id: ActivityId;
    readonly at: Date;
    readonly policyId: PolicyId | null;
    readonly decisionId: ActivityId | null;
}
