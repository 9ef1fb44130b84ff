// The webhook outbox (contract §7 "Durable", docs/workflows.md): a delivery
// row per webhook stage, written before anything is sent; the loop claims
// due rows, and a delivery's end is written with its stage's end in one
// transaction. Tokens are given and taken raw; the store keeps only hashes.
import type { ActivityInput } from '../model/activity';
import type { GroupId } from '../model/ids';
import type { WorkflowEvent, WorkflowResult, WorkflowStage } from '../model/workflow';
import type { RunningStage, StageEnd } from './workflows';

// A delivery to write, with its stage as the record tells it: written
// claimed for its first attempt (DeliveryStore.addDeliveries).
export interface NewDelivery extends Omit<DeliveryRecord, 'attempts' | 'firstSentAt' | 'acknowledged'> {
    readonly url: string;
    readonly secret: string;
    readonly body: string;                   // without callbackUrl (core/model/delivery-body.ts)
    readonly callbackRoot: string;
}

// A pending delivery, with its stage as the activity rows tell it.
export interface DeliveryRecord {
    readonly id: string;
    readonly intentId: string;
    readonly event: WorkflowEvent;
    readonly stageIndex: number;
    readonly groupId: GroupId;
    readonly serverId: string;
    readonly stage: WorkflowStage;
    readonly last: boolean;                  // no stage after it
    readonly attempts: number;
    readonly firstSentAt: Date | null;
    readonly deadline: Date;
    readonly acknowledged: boolean;
    readonly timeoutS: number;
    readonly defaultResult: WorkflowResult;
}

// One to send now: where, signed with what, and the exact body.
export interface DueDelivery extends DeliveryRecord {
    readonly url: string;
    readonly secret: string;
    readonly body: string;                   // with callbackUrl
}

// A delivery's end: its stage's, and the activity rows that tell it.
export interface DeliveryEnd {
    readonly id: string;
    readonly end: StageEnd;
    readonly note: string;
    readonly activity: readonly ActivityInput[];
}

// What a callback's token names.
export type TokenLookup =
    | { readonly kind: 'unknown' }
    | { readonly kind: 'completed' }         // already ended (answered, defaulted, or its stage is over)
    | { readonly kind: 'pending'; readonly delivery: DeliveryRecord };

export interface DeliveryStore {
    // Running customer stages of a webhook workflow that have no delivery yet, the oldest first.
    stagesToDeliver(limit: number): Promise<readonly RunningStage[]>;
    // Written once per stage, and taken for its first attempt as claimDue
    // takes a due one (attempts 1, next_at at `leaseUntil`): one statement
    // both writes the outbox row and claims it. The ones this call wrote, to
    // send now; a row another writer had written (another instance) is kept,
    // and not returned.
    addDeliveries(deliveries: readonly NewDelivery[], now: Date, leaseUntil: Date): Promise<readonly DueDelivery[]>;
    // Takes up to `limit` due deliveries (pending, not acknowledged, next_at
    // passed, deadline not) for one attempt each: attempts + 1, and next_at
    // moved to `leaseUntil`, so that an attempt cut short by a crash is sent
    // again then (at least once) and no other instance sends it meanwhile.
    claimDue(now: Date, leaseUntil: Date, limit: number): Promise<readonly DueDelivery[]>;
    // Pending deliveries past their deadline; those whose stage is no longer
    // running (a launch cancelled by the server's leaving) are closed on the way.
    expired(now: Date, limit: number): Promise<readonly DeliveryRecord[]>;
    retryAt(id: string, at: Date, note: string): Promise<void>;
    // A 2xx without a result: nothing more is sent; the callback or the deadline ends it.
    acknowledge(id: string, note: string): Promise<void>;
    // Deliveries' ends, each with its stage's (StageEnd), all in one
    // transaction (its commit shared). Per end, in order: false where the
    // delivery had already ended (or an earlier end in the list ended it), or
    // its stage had (nothing of that stage written).
    complete(ends: readonly DeliveryEnd[]): Promise<readonly boolean[]>;
    lookupToken(token: string): Promise<TokenLookup>;
    // A heartbeat's new deadline; false: the delivery had ended meanwhile.
    moveDeadline(id: string, deadline: Date): Promise<boolean>;
}
