// The ownership ledger (design idea 3, contract §3): an intent row is
// committed before its create is sent; only servers in the ledger and tagged
// with the group are ever deleted.
export type IntentState = 'intent' | 'building' | 'active' | 'deleting' | 'gone';

export interface LedgerEntry {
    readonly intentId: string;
    readonly serverId: string | null;     // null until Nova answered the create (or it was adopted)
    readonly state: IntentState;
    readonly createdAt: Date;           // when the intent was written: a build's timeout runs from it
}

// The metadata every server we create carries, and its name suffix.
export const groupMetadataKey = 'autoscale:group_id';
export const intentMetadataKey = 'autoscale:intent_id';

// `-as` + 8 hex characters of the intent id.
export const serverNameSuffix = (intentId: string): string => `-as${intentId.replace(/-/g, '').slice(0, 8)}`;
