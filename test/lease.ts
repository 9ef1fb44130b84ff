// The group lease (adapters/store/lease.ts) on the database of this run: one
// holder at a time, renewed by its holder, taken over once expired, none for a
// group that does not exist; and on PostgreSQL a claim that meets the row
// locked by another claimer answers false at once instead of waiting.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
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

    it('is created by the first claim, renewed by its holder only, taken over once expired', async () => {
        const groupId = await newGroup();
        await store().releaseLease(groupId, 'nobody');
        const now = new Date();
        const later = (ms: number): Date => new Date(now.getTime() + ms);
        expect(await store().claimLease(groupId, 'a', now, 60_000)).to.be.true();
        expect((await lease(groupId))?.expires_at.getTime()).to.equal(later(60_000).getTime());
        expect(await store().claimLease(groupId, 'b', later(59_999), 60_000)).to.be.false();
        expect(await store().claimLease(groupId, 'a', later(30_000), 60_000)).to.be.true();
        expect(await lease(groupId)).to.equal({ holder: 'a', expires_at: later(90_000) });
        expect(await store().claimLease(groupId, 'b', later(89_999), 60_000)).to.be.false();
        expect(await store().claimLease(groupId, 'b', later(90_000), 60_000)).to.be.true();    // expired: taken over
        expect(await lease(groupId)).to.equal({ holder: 'b', expires_at: later(150_000) });
        expect(await store().claimLease(groupId, 'a', later(90_000), 60_000)).to.be.false();
        await store().releaseLease(groupId, 'b');
        expect(await lease(groupId)).to.not.exist();
        expect(await store().claimLease(groupId, 'c', now, 60_000)).to.be.true();
        expect(await store().claimLease(GroupId('no-such-group'), 'a', now, 60_000)).to.be.false();
        expect(await lease(GroupId('no-such-group'))).to.not.exist();
    });

    const skip = testDatabaseKind() !== 'postgres';
    it(`answers false at once while another transaction holds the lease row${skip ? ' (skipped: PGlite has one connection)' : ''}`, { skip }, async () => {
        const groupId = await newGroup();
        const now = new Date();
        expect(await store().claimLease(groupId, 'a', now, 60_000)).to.be.true();
        await store().releaseLease(groupId, 'a');
        expect(await store().claimLease(groupId, 'a', now, 1)).to.be.true();    // held by a, already expired for b
        const knex = await testKnex();
        const trx = await knex.transaction();
        try {
            await trx('group_leases').where({ group_id: groupId }).forUpdate().first('holder');
            const started = Date.now();
            expect(await store().claimLease(groupId, 'b', new Date(now.getTime() + 1000), 60_000)).to.be.false();
            expect(await store().claimLease(groupId, 'a', now, 60_000)).to.be.false();
            expect(Date.now() - started).to.be.below(2000);
        }
        finally {
            await trx.rollback();
        }

        expect(await store().claimLease(groupId, 'b', new Date(now.getTime() + 1000), 60_000)).to.be.true();
    });
});
