// Schedule policies on the database of this run (contract §8): each due time
// runs once however many instances tick, as a trigger from the schedule with
// the refusals of any trigger; a cron in its time zone; an `at` done after its
// time; missed times past the grace skipped in one row; a rewrite or a delete
// taking effect at once.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
import { testKnex } from './support/database';
import { tableValidator } from './support/identity';
import { caller, field, freshTenant, testServer, validGroup } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

describe('schedule policies', () => {
    const tenant = freshTenant();
    let now = new Date('2030-01-01T00:00:30Z');
    const clock = { now: () => new Date(now) };
    // Two instances over one database, ticking only when told.
    const instances: Hapi.Server[] = [];

    before(async () => {
        for (let i = 0; i < 2; i++) {
            instances.push(await testServer({
                validator: tableValidator({ tok: { projectId: tenant } }), clock,
                schedules: { intervalMs: 0, graceS: 300 }, alerts: { intervalMs: 0, pruneIntervalMs: 0 }, workflowRunner: { intervalMs: 0 }, webhooks: { intervalMs: 0 }
            }));
        }
    });

    after(() => Promise.all(instances.map((s) => s.stop())));

    const api = (method: string, url: string, payload?: unknown) => caller(instances[0]!, 'tok')(method, `/${tenant}/groups${url}`, payload);
    const tickAll = async () => Promise.all(instances.map((s) => s.plugins['nova-autoscale'].engine.schedules.runOnce()));

    const groupWith = async (args: Record<string, string>, config: Record<string, unknown> = {}): Promise<{ groupId: string; policyId: string }> => {
        const created = await api('POST', '', {
            ...validGroup(), groupConfiguration: { name: 'sched', cooldown: 0, minEntities: 0, maxEntities: 100, ...config },
            scalingPolicies: [{ name: 'tick', cooldown: 0, type: 'schedule', change: 1, args }]
        });
        expect(created.statusCode).to.equal(201);
        return { groupId: String(field(created.result, 'group', 'id')), policyId: String(field(created.result, 'group', 'scalingPolicies', 0, 'id')) };
    };

    const scheduleRows = async (groupId: string) => (await testKnex())('activity').where({ group_id: groupId, source: 'schedule' }).orderBy('id')
        .select('outcome', 'reason', 'desired_after', 'event_id');

    it('runs each due time once though two instances tick, as a trigger from the schedule', async () => {
        now = new Date('2030-01-01T00:00:30Z');
        const { groupId, policyId } = await groupWith({ cron: '* * * * *' });
        const fired: number[] = [];
        for (const at of ['00:01:10', '00:02:10', '00:02:40']) {
            now = new Date(`2030-01-01T${at}Z`);
            const reports = await tickAll();
            fired.push(reports.reduce((n, r) => n + r.fired, 0));
        }

        expect(fired).to.equal([1, 1, 0]);
        expect(await scheduleRows(groupId)).to.equal([
            { outcome: 'accepted', reason: 'policy', desired_after: 1, event_id: `schedule:${policyId}:2030-01-01T00:01:00.000Z` },
            { outcome: 'accepted', reason: 'policy', desired_after: 2, event_id: `schedule:${policyId}:2030-01-01T00:02:00.000Z` }
        ]);
        expect(field((await api('GET', `/${groupId}`)).result, 'group', 'state', 'desiredCapacity')).to.equal(2);
    });

    it('reads a cron in its time zone, and keeps the zone with the policy', async () => {
        now = new Date('2030-01-01T23:58:00Z');
        const { groupId, policyId } = await groupWith({ cron: '0 9 * * *', timezone: 'Asia/Tokyo' });
        expect(field((await api('GET', `/${groupId}/policies/${policyId}`)).result, 'policy', 'args')).to.equal({ cron: '0 9 * * *', timezone: 'Asia/Tokyo' });
        now = new Date('2030-01-02T00:00:05Z');
        await tickAll();
        expect((await scheduleRows(groupId)).map((r) => r.event_id)).to.equal([`schedule:${policyId}:2030-01-02T00:00:00.000Z`]);
    });

    it('fires an `at` once, then it is done; a paused group refuses it like any trigger', async () => {
        now = new Date('2030-01-03T00:00:00Z');
        const { groupId, policyId } = await groupWith({ at: '2030-01-03T00:00:40Z' });
        expect((await api('POST', `/${groupId}/pause`)).statusCode).to.equal(204);
        now = new Date('2030-01-03T00:01:00Z');
        await tickAll();
        now = new Date('2030-01-03T00:02:00Z');
        await tickAll();
        expect(await scheduleRows(groupId)).to.equal([{ outcome: 'refused', reason: 'paused', desired_after: 0, event_id: `schedule:${policyId}:2030-01-03T00:00:40.000Z` }]);
    });

    it('skips the times missed past the grace in one row saying how many, and runs the late ones within it', async () => {
        now = new Date('2030-01-04T00:00:00Z');
        const { groupId } = await groupWith({ cron: '* * * * *' });
        now = new Date('2030-01-04T01:00:00Z');
        await tickAll();
        const rows = await scheduleRows(groupId);
        // The five within the grace run late, in one tick: the first decides, the others join it (the debounce).
        expect(rows.map((r) => [r.outcome, r.reason])).to.equal([['done', 'schedule_missed'], ['accepted', 'policy'], ...Array.from({ length: 4 }, () => ['coalesced', 'debounced'])]);
        const [missed] = await (await testKnex())('activity').where({ group_id: groupId, reason: 'schedule_missed' }).select('message', 'kind');
        expect(missed).to.equal({ kind: 'skip', message: '55 scheduled times missed while no instance ran (the last at 2030-01-04T00:55:00.000Z): skipped, older than the grace' });
    });

    it('takes a rewrite from its time on, and fires nothing once deleted', async () => {
        now = new Date('2030-01-05T00:00:30Z');
        const { groupId, policyId } = await groupWith({ cron: '0 0 * * *' });
        now = new Date('2030-01-05T00:03:30Z');
        expect((await api('PUT', `/${groupId}/policies/${policyId}`, { name: 'tick', cooldown: 0, type: 'schedule', change: 1, args: { cron: '* * * * *' } })).statusCode).to.equal(204);
        now = new Date('2030-01-05T00:04:10Z');
        await tickAll();
        expect((await scheduleRows(groupId)).map((r) => r.event_id)).to.equal([`schedule:${policyId}:2030-01-05T00:04:00.000Z`]);
        expect((await api('DELETE', `/${groupId}/policies/${policyId}`)).statusCode).to.equal(204);
        now = new Date('2030-01-05T00:06:10Z');
        await tickAll();
        expect(await scheduleRows(groupId)).to.have.length(1);
    });

    it('refuses a time zone it does not know, and one on an `at`, with the field that is wrong', async () => {
        const bad = async (args: Record<string, string>) => {
            const res = await api('POST', '', { ...validGroup(), scalingPolicies: [{ name: 'x', cooldown: 0, type: 'schedule', change: 1, args }] });
            return [res.statusCode, String(field(res.result, 'error', 'message'))];
        };
        expect(await bad({ cron: '* * * * *', timezone: 'Mars/Olympus_Mons' })).to.equal([400, '"scalingPolicies[0].args.timezone" must be an IANA time zone name like Europe/Paris']);
        expect(await bad({ at: '2031-01-01T00:00:00Z', timezone: 'UTC' })).to.equal([400, '"scalingPolicies[0].args.timezone" is not allowed']);
    });
});
