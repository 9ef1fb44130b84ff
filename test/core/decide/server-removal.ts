// Removing one server by hand: only one the ledger holds (404 otherwise), never
// while paused, never below minEntities without a replacement; rule by rule.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { decideServerRemoval, type ServerRemovalDecision, type ServerRemovalInput } from '../../../core/decide/server-removal';
import { DomainError } from '../../../core/model/errors';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const base: ServerRemovalInput = {
    serverId: 's-1',
    server: { intentId: 'i-7', state: 'active' },
    desired: 4,
    paused: false,
    minEntities: 1,
    replace: false,
    who: 'alice'
};

type Expected =
    | readonly ['missing']
    | readonly ['refused', reason: 'paused' | 'at_min', message: string]
    | readonly ['accepted', before: number, after: number, markDeleting: 'replaced' | 'removed' | null, message: string];

interface Row {
    readonly name: string;
    readonly input: Partial<ServerRemovalInput>;
    readonly expect: Expected;
}

const paused = ['refused', 'paused', 'The group is paused: resume it to remove a server'] as const;
const atMin = (min: number) => ['refused', 'at_min', `Removing s-1 without replacement would take desired below minEntities ${min}`] as const;
const removed = (before: number, mark: 'removed' | null = 'removed') => ['accepted', before, before - 1, mark, `Server s-1 is deleted; desired ${before} → ${before - 1}`] as const;
const replaced = (desired: number, mark: 'replaced' | null = 'replaced') => ['accepted', desired, desired, mark, 'Server s-1 is deleted and replaced'] as const;

const rows: Row[] = [
    { name: 'a server the ledger does not hold is 404', input: { server: null }, expect: ['missing'] },
    { name: '404 comes before paused', input: { server: null, paused: true }, expect: ['missing'] },
    { name: '404 comes before at_min', input: { server: null, desired: 1 }, expect: ['missing'] },

    { name: 'paused refuses a removal', input: { paused: true }, expect: paused },
    { name: 'paused refuses a replacement', input: { paused: true, replace: true }, expect: paused },
    { name: 'paused comes before at_min', input: { paused: true, desired: 1 }, expect: paused },

    { name: 'without replacement desired goes down by one', input: {}, expect: removed(4) },
    { name: 'down to exactly minEntities is allowed', input: { desired: 2 }, expect: removed(2) },
    { name: 'below minEntities is refused', input: { desired: 1 }, expect: atMin(1) },
    { name: 'minEntities 0: the last server may go', input: { desired: 1, minEntities: 0 }, expect: removed(1) },
    { name: 'the minimum named is the one passed in', input: { desired: 3, minEntities: 3 }, expect: atMin(3) },

    { name: 'with replacement desired stays', input: { replace: true }, expect: replaced(4) },
    { name: 'with replacement at minEntities is allowed', input: { replace: true, desired: 1 }, expect: replaced(1) },
    // Today's rule compares what desired would become with minEntities, replace or not.
    { name: 'with replacement while desired is already below minEntities: at_min', input: { replace: true, desired: 2, minEntities: 3 }, expect: atMin(3) },

    { name: 'a building entry is marked removed', input: { server: { intentId: 'i-7', state: 'building' } }, expect: removed(4) },
    { name: 'an intent entry is marked removed', input: { server: { intentId: 'i-7', state: 'intent' } }, expect: removed(4) },
    { name: 'an entry already deleting is not marked again (removal)', input: { server: { intentId: 'i-7', state: 'deleting' } }, expect: removed(4, null) },
    { name: 'an entry already deleting is not marked again (replacement)', input: { server: { intentId: 'i-7', state: 'deleting' }, replace: true }, expect: replaced(4, null) }
];

describe('decideServerRemoval', () => {
    for (const row of rows) {
        it(row.name, () => {
            const input = { ...base, ...row.input };
            const decision: ServerRemovalDecision = decideServerRemoval(input);
            const [outcome] = row.expect;
            expect(decision.outcome).to.equal(outcome);

            if (row.expect[0] === 'missing') {
                const error = decision.outcome === 'missing' ? decision.error : null;
                expect(error).to.be.an.instanceof(DomainError);
                expect([error?.kind, error?.type, error?.name, error?.message, error?.details])
                    .to.equal(['not_found', 'NoSuchServerError', 'NoSuchServerError', 'No such server in this group: s-1', {}]);
                return;
            }

            if (row.expect[0] === 'refused') {
                const [, reason, message] = row.expect;
                expect(decision).to.equal({
                    outcome: 'refused', reason, message,
                    activity: { source: 'manual', kind: 'delete_server', outcome: 'refused', reason, message, desiredBefore: null, desiredAfter: null, who: 'alice' }
                });
                return;
            }

            const [, before, after, markDeleting, message] = row.expect;
            expect(decision).to.equal({
                outcome: 'accepted', desiredBefore: before, desiredAfter: after, intentId: 'i-7', markDeleting,
                activity: {
                    source: 'manual', kind: 'delete_server', outcome: 'accepted', reason: input.replace ? 'replace_server' : 'remove_server',
                    message, desiredBefore: before, desiredAfter: after, who: 'alice'
                }
            });
        });
    }
});
