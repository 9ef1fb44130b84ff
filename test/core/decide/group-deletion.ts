// Deleting a group: at once when nothing is left, DELETING when forced with
// servers left (one activity row, the first time), 403 otherwise.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { decideGroupDeletion, type GroupDeletionInput } from '../../../core/decide/group-deletion';
import { DomainError } from '../../../core/model/errors';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const base: GroupDeletionInput = { groupId: 'g-1', desired: 0, status: 'ACTIVE', servers: 0, force: false, who: 'bob' };

type Expected =
    | readonly ['delete']
    | readonly ['deleting', activity: 'row' | 'none']
    | readonly ['refused'];

interface Row {
    readonly name: string;
    readonly input: Partial<GroupDeletionInput>;
    readonly expect: Expected;
}

const rows: Row[] = [
    { name: 'empty and at 0: deleted', input: {}, expect: ['delete'] },
    { name: 'empty and at 0, forced: deleted', input: { force: true }, expect: ['delete'] },
    { name: 'empty, at 0, ERROR: deleted', input: { status: 'ERROR' }, expect: ['delete'] },
    { name: 'a forced deletion whose servers are all gone: deleted', input: { status: 'DELETING', force: true }, expect: ['delete'] },
    { name: 'desired above 0 with no servers yet: refused', input: { desired: 2 }, expect: ['refused'] },
    { name: 'desired above 0 with no servers, forced: deleted at once', input: { desired: 2, force: true }, expect: ['delete'] },
    { name: 'servers left at desired 0: refused', input: { servers: 3 }, expect: ['refused'] },
    { name: 'servers left at desired above 0: refused', input: { desired: 3, servers: 3 }, expect: ['refused'] },
    { name: 'servers left, forced: deleting, with its row', input: { desired: 3, servers: 3, force: true }, expect: ['deleting', 'row'] },
    { name: 'servers left at desired 0, forced: deleting, with its row', input: { servers: 1, force: true }, expect: ['deleting', 'row'] },
    { name: 'servers left in ERROR, forced: deleting, with its row', input: { desired: 2, servers: 5, status: 'ERROR', force: true }, expect: ['deleting', 'row'] },
    { name: 'forced again while DELETING: deleting, no second row', input: { servers: 2, status: 'DELETING', force: true }, expect: ['deleting', 'none'] },
    { name: 'not forced while DELETING with servers left: refused', input: { servers: 2, status: 'DELETING' }, expect: ['refused'] }
];

describe('decideGroupDeletion', () => {
    for (const row of rows) {
        it(row.name, () => {
            const input = { ...base, ...row.input };
            const decision = decideGroupDeletion(input);
            expect(decision.kind).to.equal(row.expect[0]);

            if (row.expect[0] === 'deleting') {
                expect(decision).to.equal({
                    kind: 'deleting',
                    activity: row.expect[1] === 'none' ? null : {
                        source: 'manual', kind: 'delete_group', outcome: 'accepted', reason: 'forced',
                        message: `Group deletion forced: scaling ${input.servers} servers to 0, then deleting the group`,
                        desiredBefore: input.desired, desiredAfter: 0, who: 'bob'
                    }
                });
            }

            if (row.expect[0] === 'refused') {
                const error = decision.kind === 'refused' ? decision.error : null;
                expect(error).to.be.an.instanceof(DomainError);
                expect([error?.kind, error?.type, error?.name, error?.message, error?.details]).to.equal([
                    'forbidden', 'GroupNotEmptyError', 'GroupNotEmptyError',
                    `Group g-1 still has desired capacity ${input.desired} and ${input.servers} servers; scale it to 0 first or delete with ?force=true`,
                    { desiredCapacity: input.desired, servers: input.servers }
                ]);
            }

            if (row.expect[0] === 'delete') {
                expect(decision).to.equal({ kind: 'delete' });
            }
        });
    }
});
