// The ownership ledger (design idea 3, contract §3): an intent row is
// committed before its create is sent; only servers in the ledger and tagged
// with the group are ever deleted.
import type { DeleteReason, WorkflowFailureReason } from './activity';
import type { WorkflowResult } from './workflow';

// (docs/workflows.md) joining: Nova said ACTIVE, its launch workflow runs;
// active: in service; leaving: its terminate workflow runs, no delete sent yet.
export type IntentState = 'intent' | 'building' | 'joining' | 'active' | 'leaving' | 'deleting' | 'gone';

// Where a server's running workflow stands: still running, or ended with a
// result (an abandon says why).
export interface WorkflowProgress {
    readonly outcome: 'running' | WorkflowResult;
    readonly reason: WorkflowFailureReason | null;
}

interface EntryBase {
    readonly intentId: string;
    readonly serverId: string | null;     // null until Nova answered the create (or it was adopted)
    readonly createdAt: Date;           // when the intent was written: a build's timeout runs from it
}

// `leaves`: a server that joined through a workflow with terminate stages
// leaves through them before its delete (fixed when it joined; absent: no).
export type LedgerEntry =
    | EntryBase & { readonly state: 'intent' | 'building' | 'active' | 'deleting' | 'gone'; readonly leaves?: boolean }
    | EntryBase & { readonly state: 'joining'; readonly workflow: WorkflowProgress; readonly leaves: boolean }
    | EntryBase & { readonly state: 'leaving'; readonly workflow: WorkflowProgress; readonly leaveReason: DeleteReason };

// Whether deleting this entry's server goes through its terminate stages first.
export const leavesFirst = (entry: LedgerEntry): boolean =>
    (entry.state === 'joining' || entry.state === 'active') && entry.leaves === true;

// The metadata every server we create carries, and its name suffix.
export const groupMetadataKey = 'autoscale:group_id';
export const intentMetadataKey = 'autoscale:intent_id';

// `-as` + 8 hex characters of the intent id.
export const serverNameSuffix = (intentId: string): string => `-as${intentId.replace(/-/g, '').slice(0, 8)}`;
