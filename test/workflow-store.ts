// Workflows in the store (adapters/store/workflows.ts) on the database of this
// run: a join and a leave move the ledger and write the workflow in one
// transaction, a stage's end moves on to the next stage or ends the
// workflow, and what is written once is never written twice.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
import { GroupId } from '../core/model/ids';
import type { ActivityInput } from '../core/model/activity';
import { joinDetail } from '../core/model/members';
import type { Join } from '../core/ports/convergence';
import { testDatabaseKind, testKnex } from './support/database';
import { tableValidator } from './support/identity';
import { caller, field, freshTenant, testServer, validGroup } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

describe(`workflows in the store (${testDatabaseKind()})`, () => {
    let server: Hapi.Server;
    const tenant = freshTenant();

    before(async () => {
        server = await testServer({ validator: tableValidator({ tok: { projectId: tenant } }) });
    });

    after(() => server.stop());

    const stores = () => server.plugins['nova-autoscale'].stores;

    // A group whose ledger holds `n` servers ACTIVE in Nova, still building in the ledger.
    const withServers = async (n: number): Promise<{ groupId: GroupId; intents: string[] }> => {
        const created = await caller(server, 'tok')('POST', `/${tenant}/groups`, { ...validGroup(), groupConfiguration: { name: 'w', cooldown: 0, minEntities: 0, maxEntities: 10 } });
        const groupId = GroupId(String(field(created.result, 'group', 'id')));
        // Intents are written under the group's lease (fenced by its generation), as a run writes them.
        const generation = await stores().convergence.claimLease(groupId, 'workflow-store/1', new Date(), 60_000);
        const entries = generation === null ? null : await stores().convergence.writeIntents(groupId, n, generation);
        await stores().convergence.releaseLease(groupId, 'workflow-store/1');
        if (entries === null) {
            throw new Error('no lease for the test\'s intents');
        }

        await stores().convergence.setServerIds(entries.map((e) => ({ intentId: e.intentId, serverId: `srv-${e.intentId}` })));

        return { groupId, intents: entries.map((e) => e.intentId) };
    };

    const states = async (groupId: GroupId): Promise<string[]> =>
        ((await stores().convergence.readConvergence(groupId))?.ledger ?? []).map((e) => e.state);

    const join = (intentId: string, launch: Join['launch'], terminate: Join['terminate'] = []): Join =>
        ({ intentId, launch, terminate, workflow: { type: 'host', name: 'store-only' }, members: null });

    it('joins a server with launch stages (joining, running) and one without (in service at once), once only', async () => {
        const { groupId, intents: [a = '', b = ''] } = await withServers(2);
        await stores().convergence.joinServers(groupId, [join(a, ['customer', 'members'], ['customer']), join(b, [])], []);
        await stores().convergence.joinServers(groupId, [join(a, ['customer'])], []);   // a replay moves nothing twice
        const snap = await stores().convergence.readConvergence(groupId);
        const byIntent = new Map(snap?.ledger.map((e) => [e.intentId, [e.state, e.state === 'joining' || e.state === 'active' ? e.leaves : null]]));
        expect([byIntent.get(a), byIntent.get(b)]).to.equal([['joining', true], ['active', false]]);
        const running = (await stores().workflows.runningStages(1000)).filter((s) => s.groupId === groupId);
        expect(running.map((s) => [s.intentId, s.event, s.stage, s.stageIndex, s.last, s.serverId])).to.equal([[a, 'launch', 'customer', 0, false, `srv-${a}`]]);
        expect(running[0]?.workflow).to.equal({ type: 'host', name: 'store-only' });
    });

    it('moves a stage on, ends the workflow with its result, and puts a server that continued in service', async () => {
        const { groupId, intents: [a = ''] } = await withServers(1);
        await stores().convergence.joinServers(groupId, [join(a, ['customer', 'members'], ['members'])], []);
        const end = { intentId: a, event: 'launch' as const, result: 'continue' as const, reason: null };
        expect(await stores().workflows.finishStage({ ...end, stageIndex: 0 }, [])).to.be.true();
        expect(await stores().workflows.finishStage({ ...end, stageIndex: 0 }, [])).to.be.false();          // that stage had ended
        const next = (await stores().workflows.runningStages(1000)).find((s) => s.intentId === a);
        expect([next?.stage, next?.stageIndex, next?.last]).to.equal(['members', 1, true]);
        expect(await states(groupId)).to.equal(['joining']);
        expect(await stores().workflows.finishStage({ ...end, stageIndex: 1 }, [{
            source: 'converger', who: 'workflow', kind: 'workflow_launch', outcome: 'done', reason: 'in_service', message: 'in', desiredBefore: null, desiredAfter: null
        }])).to.be.true();
        expect(await states(groupId)).to.equal(['active']);
        expect((await stores().workflows.runningStages(1000)).filter((s) => s.intentId === a)).to.equal([]);
        const rows = await caller(server, 'tok')('GET', `/${tenant}/groups/${groupId}/activity`);
        expect((field(rows.result, 'activity') as { reason: string }[]).map((r) => r.reason)).to.include('in_service');
    });

    it('reads a launch that ended abandon, with its reason, for the planner', async () => {
        const { groupId, intents: [a = ''] } = await withServers(1);
        await stores().convergence.joinServers(groupId, [join(a, ['customer'])], []);
        await stores().workflows.finishStage({ intentId: a, event: 'launch', stageIndex: 0, result: 'abandon', reason: 'workflow_timeout' }, []);
        const [entry] = (await stores().convergence.readConvergence(groupId))?.ledger ?? [];
        expect(entry).to.include({ state: 'joining', workflow: { outcome: 'abandon', reason: 'workflow_timeout' } });
    });

    it('leaves through the stages fixed at the join, cancelling a launch still running; a server that never joined does not leave', async () => {
        const { groupId, intents: [a = '', b = ''] } = await withServers(2);
        await stores().convergence.joinServers(groupId, [join(a, ['customer'], ['members', 'customer'])], []);
        await stores().convergence.leaveServers(groupId, [{ intentId: a, serverId: `srv-${a}`, reason: 'scale_down' }, { intentId: b, serverId: `srv-${b}`, reason: 'scale_down' }], []);
        const snap = await stores().convergence.readConvergence(groupId);
        const byIntent = new Map(snap?.ledger.map((e) => [e.intentId, [e.state, e.state === 'leaving' ? [e.leaveReason, e.workflow.outcome] : null]]));
        expect([byIntent.get(a), byIntent.get(b)]).to.equal([['leaving', ['scale_down', 'running']], ['building', null]]);
        const knex = await testKnex();
        expect(await knex('server_workflows').where({ intent_id: a }).orderBy('event').select('event', 'outcome', 'stages'))
            .to.equal([{ event: 'launch', outcome: 'cancelled', stages: ['customer'] }, { event: 'terminate', outcome: 'running', stages: ['members', 'customer'] }]);
        await stores().workflows.finishStage({ intentId: a, event: 'terminate', stageIndex: 0, result: 'continue', reason: null }, []);
        await stores().workflows.finishStage({ intentId: a, event: 'terminate', stageIndex: 1, result: 'abandon', reason: null }, []);
        const left = (await stores().convergence.readConvergence(groupId))?.ledger.find((e) => e.intentId === a);
        expect(left).to.include({ state: 'leaving', leaveReason: 'scale_down', workflow: { outcome: 'abandon', reason: null } });
    });

    it('writes a delivery claimed for its first attempt, once per stage: a second writer\'s row for the same stage is not written, and not returned to send', async () => {
        const { groupId, intents: [a = ''] } = await withServers(1);
        await stores().convergence.joinServers(groupId, [join(a, ['customer'])], []);
        const now = new Date();
        const leaseUntil = new Date(now.getTime() + 60_000);
        const delivery = (id: string) => ({
            id, intentId: a, event: 'launch' as const, stageIndex: 0, groupId, serverId: `srv-${a}`, stage: 'customer' as const, last: true,
            deadline: new Date(now.getTime() + 300_000), timeoutS: 300, defaultResult: 'abandon' as const, url: 'https://hooks.example/x', secret: 's'.repeat(16),
            body: '{"event":"launch"}', callbackRoot: 'https://own.example/autoscale/v1.0'
        });
        const id = crypto.randomUUID();
        const [sent, ...more] = await stores().deliveries.addDeliveries([delivery(id)], now, leaseUntil);
        expect(more).to.equal([]);
        expect(sent).to.include({ id, attempts: 1, firstSentAt: now, acknowledged: false, url: 'https://hooks.example/x' });
        expect(sent?.body).to.match(/^\{"event":"launch","callbackUrl":"https:\/\/own\.example\/autoscale\/v1\.0\/workflow\/1\/[0-9a-f]{64}"\}$/);
        expect(await stores().deliveries.addDeliveries([delivery(crypto.randomUUID())], now, leaseUntil)).to.equal([]);
        const rows = await (await testKnex())('workflow_deliveries').where({ intent_id: a }).select('id', 'attempts', 'next_at');
        expect(rows).to.equal([{ id, attempts: 1, next_at: leaseUntil }]);
        // Claimed: not due again until the claim lapses.
        expect((await stores().deliveries.claimDue(now, leaseUntil, 10)).filter((d) => d.intentId === a)).to.equal([]);
    });

    it('shares the sweep: two halves of the groups, by a hash of the id, are apart and make the whole', async () => {
        for (let i = 0; i < 6; i++) {
            await withServers(0);
        }

        const ids = async (share: { index: number; of: number }) => (await stores().convergence.sweepPage(100_000, null, share)).map((snap) => snap.groupId as string);
        const [whole, first, second] = await Promise.all([ids({ index: 0, of: 1 }), ids({ index: 0, of: 2 }), ids({ index: 1, of: 2 })]);
        expect(first.filter((id) => second.includes(id))).to.equal([]);
        expect([...first, ...second].sort()).to.equal([...whole].sort());
        expect(first.length * second.length).to.be.above(0);
    });

    it('keeps a group\'s workflow, and says 404 for another tenant\'s group; a row it cannot read is the built-in one', async () => {
        const { groupId } = await withServers(0);
        await stores().groups.setWorkflow(tenant as never, groupId, { type: 'host', name: 'hooks' });
        expect(await stores().groups.getWorkflow(tenant as never, groupId)).to.equal({ type: 'host', name: 'hooks' });
        await expect(stores().groups.setWorkflow('someone-else' as never, groupId, { type: 'builtin' })).to.reject(/No such group/);
        await expect(stores().groups.getWorkflow('someone-else' as never, groupId)).to.reject(/No such group/);
        await (await testKnex())('groups').where({ id: groupId }).update({ workflow: JSON.stringify('junk') });
        expect(await stores().groups.getWorkflow(tenant as never, groupId)).to.equal({ type: 'builtin' });
    });

    it('writes members stages\' records with their rows in one go, only for stages still running, the rows in the order given', async () => {
        const { groupId, intents: [a = '', b = '', c = ''] } = await withServers(3);
        const members = joinDetail([{ poolId: 'pool-1', port: 80 }], 0);
        await stores().convergence.joinServers(groupId, [a, b, c].map((intentId) => ({ ...join(intentId, ['members']), members })), []);
        await stores().workflows.finishStage({ intentId: b, event: 'launch', stageIndex: 0, result: 'continue', reason: null }, []);
        const row = (message: string, reason: 'joining' | 'adopted' = 'joining'): ActivityInput =>
            ({ source: 'converger', who: 'converger', kind: 'member_create', outcome: 'done', reason, message, desiredBefore: 3, desiredAfter: null });
        const record = (address: string, id: string | null) => ({ poolId: 'pool-1', port: 80, address, name: 'web "quoted" \\ name', id, status: null });
        const stage = (intentId: string, stageIndex = 0) => ({ intentId, event: 'launch' as const, stageIndex });
        const before = Number((await (await testKnex())('activity').where({ group_id: groupId }).max({ id: 'id' }))[0]?.id ?? 0);
        expect(await stores().convergence.writeMembersDetails(groupId, [
            { stage: stage(a), detail: { ...members, members: [record('10.0.0.1', 'm-1')] }, activity: [row('a1'), row('a2', 'adopted')] },
            { stage: stage(b), detail: { ...members, members: [record('10.0.0.2', null)] }, activity: [row('b1')] },
            { stage: stage(c, 1), detail: { ...members, members: [record('10.0.0.3', null)] }, activity: [row('c-wrong-stage')] },
            { stage: stage(c), detail: { ...members, members: [record('10.0.0.3', null)] }, activity: [] }
        ])).to.equal([true, false, false, true]);
        const knex = await testKnex();
        const details = await knex('server_workflows').whereIn('intent_id', [a, b, c]).select('intent_id', 'detail');
        const detailOf = (intentId: string): unknown => details.find((d: { intent_id: string }) => d.intent_id === intentId)?.detail;
        expect(detailOf(a)).to.equal({ ...members, members: [record('10.0.0.1', 'm-1')] });
        expect(detailOf(b)).to.equal(members);
        expect(detailOf(c)).to.equal({ ...members, members: [record('10.0.0.3', null)] });
        const rows = await knex('activity').where({ group_id: groupId }).andWhere('id', '>', before).orderBy('id').select('message', 'reason', 'desired_before', 'desired_after', 'who');
        expect(rows).to.equal([
            { message: 'a1', reason: 'joining', desired_before: 3, desired_after: null, who: 'converger' },
            { message: 'a2', reason: 'adopted', desired_before: 3, desired_after: null, who: 'converger' }
        ]);
        expect(await stores().convergence.writeMembersDetails(groupId, [])).to.equal([]);
    });
});
