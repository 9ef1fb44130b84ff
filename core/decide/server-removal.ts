// Removing one server by hand: only one the ledger holds for the group
// (contract §3); without replacement it is a decision that takes desired down by one.
import { DomainError } from '../model/errors';
import type { ActivityInput } from '../model/activity';

export interface ServerRemovalInput {
    readonly serverId: string;
    readonly server: { readonly intentId: string; readonly state: string } | null;   // the ledger's live entry for it in this group, or null
    readonly desired: number;
    readonly paused: boolean;
    readonly minEntities: number;
    readonly replace: boolean;
    readonly who: string;
}

export type ServerRemovalDecision =
    | { readonly outcome: 'missing'; readonly error: DomainError }
    | { readonly outcome: 'refused'; readonly reason: 'paused' | 'at_min'; readonly message: string; readonly activity: ActivityInput }
    | { readonly outcome: 'accepted'; readonly desiredBefore: number; readonly desiredAfter: number; readonly intentId: string; readonly markDeleting: 'replaced' | 'removed' | null; readonly activity: ActivityInput };

// A refusal writes nothing but its own row, with no desired on it (contract §4).
const refuse = (reason: 'paused' | 'at_min', message: string, who: string): ServerRemovalDecision => ({
    outcome: 'refused', reason, message,
    activity: { source: 'manual', kind: 'delete_server', outcome: 'refused', reason, message, desiredBefore: null, desiredAfter: null, who }
});

export const decideServerRemoval = (input: ServerRemovalInput): ServerRemovalDecision => {
    const { serverId, server, replace, who } = input;
    if (!server) {
        return { outcome: 'missing', error: new DomainError('not_found', 'NoSuchServerError', `No such server in this group: ${serverId}`) };
    }

    if (input.paused) {
        return refuse('paused', 'The group is paused: resume it to remove a server', who);
    }

    const before = input.desired;
    const after = replace ? before : before - 1;
    if (after < input.minEntities) {
        return refuse('at_min', `Removing ${serverId} without replacement would take desired below minEntities ${input.minEntities}`, who);
    }

    return {
        outcome: 'accepted',
        desiredBefore: before,
        desiredAfter: after,
        intentId: server.intentId,
        // An entry already being deleted keeps the reason it was marked with.
        markDeleting: server.state === 'deleting' ? null : replace ? 'replaced' : 'removed',
        activity: {
            source: 'manual', kind: 'delete_server', outcome: 'accepted', reason: replace ? 'replace_server' : 'remove_server',
            message: replace ? `Server ${serverId} is deleted and replaced` : `Server ${serverId} is deleted; desired ${before} → ${after}`,
            desiredBefore: before, desiredAfter: after, who
        }
    };
};
