// What runs could not write as the database went away
// (core/converge/unwritten.ts): written when asked, the intents before the
// leases, kept until written, one write at a time.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { unwrittenWrites } from '../../../core/converge/unwritten';
import { DomainError } from '../../../core/model/errors';
import { GroupId } from '../../../core/model/ids';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const outage = new DomainError('unavailable', 'ServiceUnavailableError', 'The database cannot be reached');

// A store that writes what it is asked, in order, or fails the next `failing` writes.
const store = () => {
    const calls: string[] = [];
    let failing = 0;
    const write = (call: string): Promise<void> => {
        if (failing > 0) {
            failing--;
            return Promise.reject(outage);
        }

        calls.push(call);
        return Promise.resolve();
    };

    return {
        calls,
        fail: (n: number) => {
            failing = n;
        },
        releaseLease: (groupId: GroupId, holder: string) => write(`releaseLease ${groupId} ${holder}`),
        retireIntent: (intentId: string, reason: string) => write(`retireIntent ${intentId} ${reason}`)
    };
};

describe('unwritten writes', () => {

    it('asks nothing of the store when nothing is kept', async () => {
        const db = store();
        await unwrittenWrites().write(db);
        expect(db.calls).to.equal([]);
    });

    it('retires the intents before it lets the leases go, each once', async () => {
        const db = store();
        const kept = unwrittenWrites();
        kept.lease(GroupId('g1'), 'i1/1');
        kept.unsent('a', 'create_held');
        kept.unsent('b', 'create_replanned');
        await kept.write(db);
        await kept.write(db);
        expect(db.calls).to.equal(['retireIntent a create_held', 'retireIntent b create_replanned', 'releaseLease g1 i1/1']);
    });

    it('keeps what the store would not take, and writes it on the next call', async () => {
        const db = store();
        const kept = unwrittenWrites();
        kept.unsent('a', 'create_held');
        kept.unsent('b', 'create_held');
        kept.lease(GroupId('g1'), 'i1/1');
        db.fail(1);
        await expect(kept.write(db)).to.reject(DomainError);
        expect(db.calls).to.equal([]);
        db.fail(0);
        await kept.write(db);
        expect(db.calls).to.equal(['retireIntent a create_held', 'retireIntent b create_held', 'releaseLease g1 i1/1']);
    });

    it('writes once however many ask at once', async () => {
        const db = store();
        const kept = unwrittenWrites();
        kept.unsent('a', 'create_held');
        await Promise.all([kept.write(db), kept.write(db), kept.write(db)]);
        expect(db.calls).to.equal(['retireIntent a create_held']);
    });
});
