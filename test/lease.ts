// The group lease (adapters/store/lease.ts) on the database of this run: one
// holder at a time, renewed by its holder, taken over once expired, none for a
// group that does not exist; a new generation each time it changes hands, and
// the steps a run records (intents, deletes) fenced by it; and on PostgreSQL a
// claim that meets the row locked by another claimer answers null at once
// instead of waiting.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
import { LEASE_HELD } from '../adapters/store/lease';
import { GroupId } from '../core/model/ids';
import { testDatabaseKind, testKnex } from './support/database';
import { tableValidator } from './support/identity';
import { caller, field, freshTenant, testServer, validGroup } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

describe(`group lease (${testDatabaseKind()})`, () => {
    let server: Hapi.Server;
    const tenant = freshTenant();

    before(async () => {
        server = await testServer({ validator: tableValidator({ tok: { projectId: tenant } }) });
    });

    after(() => server.stop());

    const store = () => server.plugins['nova-autoscale'].stores.convergence;
    const newGroup = async (): Promise<GroupId> => {
        const created = await caller(server, 'tok')('POST', `/${tenant}/groups`, { ...validGroup(), groupConfiguration: { name: 'l', cooldown: 0, minEntities: 0, maxEntities: 10 } });
        return GroupId(String(field(created.result, 'group', 'id')));
    };

    const lease = async (groupId: GroupId): Promise<{ holder: string; expires_at: Date } | undefined> =>
        (await testKnex())('group_leases').where({ group_id: groupId }).first('holder', 'expires_at');

    it('is created by the first claim, renewed by its holder only (same generation), taken over once expired (a new one)', async () => {
        const groupId = await newGroup();
        await store().releaseLease(groupId, 'nobody');
        const now = new Date();
        const later = (ms: number): Date => new Date(now.getTime() + ms);
        const first = await store().claimLease(groupId, 'a', now, 60_000);
        expect(first).to.be.a.number();
        expect((await lease(groupId))?.expires_at.getTime()).to.equal(later(60_000).getTime());
        expect(await store().claimLease(groupId, 'b', later(59_999), 60_000)).to.be.null();
        expect(await store().claimLease(groupId, 'a', later(30_000), 60_000)).to.equal(first);
        expect(await lease(groupId)).to.equal({ holder: 'a', expires_at: later(90_000) });
        expect(await store().claimLease(groupId, 'b', later(89_999), 60_000)).to.be.null();
        const second = await store().claimLease(groupId, 'b', later(90_000), 60_000);    // expired: taken over
        expect(second).to.be.a.number();
        expect(second).to.not.equal(first);
        expect(await lease(groupId)).to.equal({ holder: 'b', expires_at: later(150_000) });
        expect(await store().claimLease(groupId, 'a', later(90_000), 60_000)).to.be.null();
        await store().releaseLease(groupId, 'b');
        expect(await lease(groupId)).to.not.exist();
        const third = await store().claimLease(groupId, 'c', now, 60_000);
        expect([first, second]).to.not.include(third);
        expect(await store().claimLease(GroupId('no-such-group'), 'a', now, 60_000)).to.be.null();
        expect(await lease(GroupId('no-such-group'))).to.not.exist();
    });

    const intents = async (groupId: GroupId): Promise<{ intent_id: string; state: string }[]> =>
        (await testKnex())('servers').where({ group_id: groupId }).orderBy('intent_id').select('intent_id', 'state');

    it('writes a run\'s intents only under the generation it planned with, checked in the same statement', async () => {
        const groupId = await newGroup();
        const now = new Date();
        const a = await store().claimLease(groupId, 'a', now, 1_000);
        if (a === null) {
            throw new Error('no lease');
        }

        const written = await store().writeIntents(groupId, 2, a);
        expect(written).to.have.length(2);
        expect((await intents(groupId)).map((r) => r.state)).to.equal(['intent', 'intent']);
        // a's lease lapses and b takes it: a, whose run stalled, records nothing more.
        const b = await store().claimLease(groupId, 'b', new Date(now.getTime() + 1_000), 60_000);
        expect(b).to.not.be.null();
        expect(await store().writeIntents(groupId, 3, a)).to.be.null();
        expect(await intents(groupId)).to.have.length(2);
        // b lets go and a's holder makes the lease anew: another generation, so the old plan's step is still refused.
        await store().releaseLease(groupId, 'b');
        const again = await store().claimLease(groupId, 'a', new Date(now.getTime() + 2_000), 60_000);
        expect([a, b]).to.not.include(again);
        expect(await store().writeIntents(groupId, 1, a)).to.be.null();
        expect(await intents(groupId)).to.have.length(2);
        expect(await store().writeIntents(groupId, 1, again as NonNullable<typeof again>)).to.have.length(1);
        expect(await intents(groupId)).to.have.length(3);
    });

    it('marks a run\'s deletes only under its generation: none of them when the lease changed hands', async () => {
        const groupId = await newGroup();
        const now = new Date();
        const a = await store().claimLease(groupId, 'a', now, 1_000);
        if (a === null) {
            throw new Error('no lease');
        }

        const [one, two] = (await store().writeIntents(groupId, 2, a)) ?? [];
        if (!one || !two) {
            throw new Error('no intents');
        }

        expect(await store().markDeleting(groupId, [{ intentId: one.intentId, reason: 'scale_down' }], a)).to.be.true();
        expect(await store().markDeleting(groupId, [], a)).to.be.true();      // nothing to mark: the answer is the fence's alone
        const b = await store().claimLease(groupId, 'b', new Date(now.getTime() + 1_000), 60_000);
        expect(b).to.not.be.null();
        expect(await store().markDeleting(groupId, [{ intentId: two.intentId, reason: 'scale_down' }], a)).to.be.false();
        expect(await store().markDeleting(groupId, [], a)).to.be.false();
        const byId = new Map((await intents(groupId)).map((r) => [r.intent_id, r.state]));
        expect([byId.get(one.intentId), byId.get(two.intentId)]).to.equal(['deleting', 'intent']);
    });

    const skip = testDatabaseKind() !== 'postgres';
    it(`answers false at once while another transaction holds the lease row${skip ? ' (skipped: PGlite has one connection)' : ''}`, { skip }, async () => {
        const groupId = await newGroup();
        const now = new Date();
        expect(await store().claimLease(groupId, 'a', now, 60_000)).to.not.be.null();
        await store().releaseLease(groupId, 'a');
        const held = await store().claimLease(groupId, 'a', now, 1);    // held by a, already expired for b
        expect(held).to.not.be.null();
        const knex = await testKnex();
        const trx = await knex.transaction();
        try {
            await trx('group_leases').where({ group_id: groupId }).forUpdate().first('holder');
            const started = Date.now();
            expect(await store().claimLease(groupId, 'b', new Date(now.getTime() + 1000), 60_000)).to.be.null();
            expect(await store().claimLease(groupId, 'a', now, 60_000)).to.be.null();
            expect(Date.now() - started).to.be.below(2000);
        }
        finally {
            await trx.rollback();
        }

        expect(await store().claimLease(groupId, 'b', new Date(now.getTime() + 1000), 60_000)).to.not.be.null();
    });

    it(`holds a claimer off while a run records a step under the lease, then answers with a new generation${skip ? ' (skipped: PGlite has one connection)' : ''}`, { skip }, async () => {
        const groupId = await newGroup();
        const now = new Date();
        const a = await store().claimLease(groupId, 'a', now, 1);   // already expired for b
        const knex = await testKnex();
        const trx = await knex.transaction();
        try {
            // A step's statement holds the lease row FOR SHARE until it commits: b skips it.
            await trx.raw(LEASE_HELD, [groupId, a]);
            expect(await store().claimLease(groupId, 'b', new Date(now.getTime() + 1000), 60_000)).to.be.null();
        }
        finally {
            await trx.commit();
        }

        const b = await store().claimLease(groupId, 'b', new Date(now.getTime() + 1000), 60_000);
        expect(b).to.not.be.null();
        expect(b).to.not.equal(a);
    });
});
