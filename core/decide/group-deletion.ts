// Deleting a group: at once when it is empty; with force and servers left it
// goes to desired 0 and DELETING, and the converger deletes it once they are gone.
import { DomainError } from '../model/errors';
import type { GroupStatus } from '../model/group';
import type { ActivityInput } from '../model/activity';

export interface GroupDeletionInput {
    readonly groupId: string;
    readonly desired: number;
    readonly status: GroupStatus;
    readonly servers: number;          // live ledger entries (state not 'gone')
    readonly force: boolean;
    readonly who: string;
}

export type GroupDeletionDecision =
    | { readonly kind: 'delete' }
    | { readonly kind: 'deleting'; readonly activity: ActivityInput | null }
    | { readonly kind: 'refused'; readonly error: DomainError };

export const decideGroupDeletion = (input: GroupDeletionInput): GroupDeletionDecision => {
    const { groupId, desired, servers, force } = input;
    if (servers > 0 && force) {
        // A deletion already under way was recorded when it was forced.
        return {
            kind: 'deleting',
            activity: input.status === 'DELETING' ? null : {
                source: 'manual', kind: 'delete_group', outcome: 'accepted', reason: 'forced',
                message: `Group deletion forced: scaling ${servers} servers to 0, then deleting the group`,
                desiredBefore: desired, desiredAfter: 0, who: input.who
            }
        };
    }

    if (servers > 0 || (desired > 0 && !force)) {
        return {
            kind: 'refused',
            error: new DomainError('forbidden', 'GroupNotEmptyError',
                `Group ${groupId} still has desired capacity ${desired} and ${servers} servers; scale it to 0 first or delete with ?force=true`,
                { desiredCapacity: desired, servers })
        };
    }

    return { kind: 'delete' };
};
