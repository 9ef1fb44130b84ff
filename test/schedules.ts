// Schedule policies on the database of this run (contract §8): each due time
// runs once however many instances tick, as a trigger from the schedule with
// the refusals of any trigger; a cron in its time zone; an `at` done after its
// time; missed times past the grace skipped in one row; a rewrite or a delete
// taking effect at once.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import Hapi from '@hapi/hapi';
import type { Knex } from 'knex';
import { plugin } from '../plugin';
import { scratchDatabase } from './support/database';
import { tableValidator } from './support/identity';
import { caller, field, freshTenant, validGroup } from './support/server';

const { describe, it, before, after, afterEach } = exports.lab = Lab.script();
const { expect } = Code;

describe('schedule policies', () => {
    const tenant = freshTenant();
    let now = new Date('2030-01-01T00:00:30Z');
    const clock = { now: () => new Date(now) };
    // Three instances over one database, ticking only when told.
    const instances: Hapi.Server[] = [];

    // A database of their own: the loop reads every schedule policy, and this
    // clock, years on, would find the other tests' due.
    let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
    let knex: Knex;

    before(async () => {
        scratch = await scratchDatabase();
        knex = scratch.db.knex;
        for (let i = 0; i < 3; i++) {
            const server = Hapi.server();
            await server.register({
                plugin,
                options: {
                    database: { knex }, clock, openstack: { tokenValidator: tableValidator({ tok: { projectId: tenant } }) },
                    schedules: { intervalMs: 0, graceS: 300 }, alerts: { intervalMs: 0, pruneIntervalMs: 0 }, workflowRunner: { intervalMs: 0 }, webhooks: { intervalMs: 0 }
                }
            }, { routes: { prefix: '/autoscale' } });
            await server.initialize();
            instances.push(server);
        }
    });

    after(async () => {
        await Promise.all(instances.map((s) => s.stop()));
        await scratch.drop();
    });

    // Each test's policies go with it: a later test's clock, days on, would
    // otherwise find a day of their due times to look through.
    const groups: string[] = [];
    afterEach(async () => {
        await knex('policies').whereIn('group_id', groups.splice(0)).delete();
    });

    const api = (method: string, url: string, payload?: unknown) => caller(instances[0]!, 'tok')(method, `/${tenant}/groups${url}`, payload);
    const tickAll = async () => Promise.all(instances.map((s) => s.plugins['nova-autoscale'].engine.schedules.runOnce()));

    const groupWith = async (args: Record<string, string>, config: Record<string, unknown> = {}): Promise<{ groupId: string; policyId: string }> => {
        const created = await api('POST', '', {
            ...validGroup(), groupConfiguration: { name: 'sched', cooldown: 0, minEntities: 0, maxEntities: 100, ...config },
            scalingPolicies: [{ name: 'tick', cooldown: 0, type: 'schedule', change: 1, args }]
        });
        expect(created.statusCode).to.equal(201);
        groups.push(String(field(created.result, 'group', 'id')));
        return { groupId: String(field(created.result, 'group', 'id')), policyId: String(field(created.result, 'group', 'scalingPolicies', 0, 'id')) };
    };

    const scheduleRows = async (groupId: string) => knex('activity').where({ group_id: groupId, source: 'schedule' }).orderBy('id')
        .select('outcome', 'reason', 'desired_after', 'event_id');

    it('runs each due time once though three instances tick, as a trigger from the schedule', async () => {
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

    it('fires 50 cron policies on three instances over three minutes: 150 firings, each once, at the tick after its minute', async () => {
        now = new Date('2030-01-06T00:00:30Z');
        const created = await api('POST', '', {
            ...validGroup(), groupConfiguration: { name: 'fifty', cooldown: 0, minEntities: 0, maxEntities: 100 },
            scalingPolicies: Array.from({ length: 50 }, (_x, i) => ({ name: `p${i}`, cooldown: 0, type: 'schedule', desiredCapacity: 1, args: { cron: '* * * * *' } }))
        });
        expect(created.statusCode).to.equal(201);
        const groupId = String(field(created.result, 'group', 'id'));
        groups.push(groupId);
        for (const at of ['00:00:59', '00:01:01', '00:01:30', '00:02:01', '00:02:45', '00:03:01', '00:03:59']) {
            now = new Date(`2030-01-06T${at}Z`);
            await tickAll();
        }

        const rows: { event_id: string; at: Date }[] = await knex('activity').where({ group_id: groupId, source: 'schedule' }).select('event_id', 'at');
        expect(rows).to.have.length(150);
        expect(new Set(rows.map((r) => r.event_id)).size).to.equal(150);
        for (const row of rows) {
            const due = Date.parse(row.event_id.slice(row.event_id.lastIndexOf(':', row.event_id.length - 8) - 16));
            expect(new Date(row.at).getTime() - due).to.be.within(0, 2000);
        }
    });

    it('runs a time missed while every instance was down once, late, within the grace; past it, none and one row', async () => {
        // Down across 00:05: back a minute later.
        now = new Date('2030-01-07T00:00:00Z');
        const late = await groupWith({ cron: '5 0 * * *' });
        await tickAll();
        now = new Date('2030-01-07T00:06:00Z');
        await tickAll();
        expect((await scheduleRows(late.groupId)).map((r) => [r.outcome, r.reason, r.event_id])).to.equal([['accepted', 'policy', `schedule:${late.policyId}:2030-01-07T00:05:00.000Z`]]);
        // Down across 00:05 the next day: back ten minutes later.
        now = new Date('2030-01-08T00:00:00Z');
        const later = await groupWith({ cron: '5 0 * * *' });
        await tickAll();
        now = new Date('2030-01-08T00:15:00Z');
        await tickAll();
        expect((await scheduleRows(later.groupId)).map((r) => [r.outcome, r.reason])).to.equal([['done', 'schedule_missed']]);
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
        const [missed] = await knex('activity').where({ group_id: groupId, reason: 'schedule_missed' }).select('message', 'kind');
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
