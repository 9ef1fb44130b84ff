// The log the plugin writes of what it is told (adapters/telemetry/log.ts):
// the tags each event gets (subsystem first, level last), the ids in its
// data, and which OpenStack answers are failures worth a line.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type { CallRecord } from '../../adapters/http/meter';
import { failedCallLevel, logTelemetry } from '../../adapters/telemetry/log';
import { allOf, type PluginTelemetry } from '../../adapters/telemetry/plugin-telemetry';
import type { Log } from '../../core/engine/log';
import { ActivityId, GroupId, PolicyId, TenantId } from '../../core/model/ids';
import type { TriggerRequest, TriggerResult } from '../../core/model/trigger';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const recorded = () => {
    const entries: { tags: readonly string[]; data: Parameters<Log>[1] }[] = [];
    return { entries, telemetry: logTelemetry((tags, data) => entries.push({ tags, data })) };
};

const request: TriggerRequest = {
    tenantId: TenantId('t1'), groupId: GroupId('g1'), policyId: PolicyId('p1'), source: 'manual', eventId: null,
    forced: false, circleBack: false, who: 'alice', note: null, requestId: 'req-hapi-1'
};

const result: TriggerResult = {
    activityId: ActivityId('7'), decisionId: ActivityId('7'), outcome: 'refused', reason: 'cooldown', desiredBefore: 2, desiredAfter: 2, message: 'In cooldown', replay: false
};

const call = (over: Partial<CallRecord>): CallRecord => ({
    service: 'compute', region: 'RegionOne', method: 'GET', route: '/servers/detail', code: '200', seconds: 0.0123456,
    projectId: 't1', groupId: 'g1', requestId: 'req-os-1', ...over
});

describe('the log of what the plugin is told', () => {

    it('tells a decision with its ids, the request it came with, and the decision it was coalesced into', () => {
        const { entries, telemetry } = recorded();
        telemetry.decision(request, result);
        const fromLoop: TriggerRequest = { ...request, source: 'schedule' };
        delete (fromLoop as { requestId?: string }).requestId;
        telemetry.decision(fromLoop, { ...result, outcome: 'coalesced', reason: 'debounced', activityId: ActivityId('8') });
        expect(entries).to.equal([
            {
                tags: ['supervisor', 'decision', 'info'],
                data: {
                    event: 'decision', outcome: 'refused', reason: 'cooldown', source: 'manual', tenantId: 't1', groupId: 'g1', policyId: 'p1', requestId: 'req-hapi-1',
                    desiredBefore: 2, desiredAfter: 2, activityId: '7', forced: false, circleBack: false, who: 'alice', message: 'In cooldown'
                }
            },
            {
                tags: ['supervisor', 'decision', 'info'],
                data: {
                    event: 'decision', outcome: 'coalesced', reason: 'debounced', source: 'schedule', tenantId: 't1', groupId: 'g1', policyId: 'p1',
                    desiredBefore: 2, desiredAfter: 2, activityId: '8', decisionId: '7', forced: false, circleBack: false, who: 'alice', message: 'In cooldown'
                }
            }
        ]);
    });

    it('files a failed OpenStack call under the client\'s subsystem, at a level by what came back', () => {
        const table: [Partial<CallRecord>, string | null][] = [
            [{ code: '200' }, null],
            [{ code: '202' }, null],
            [{ code: '300' }, null],
            [{ code: '503' }, 'error'],
            [{ code: '500' }, 'error'],
            [{ code: 'timeout' }, 'error'],
            [{ code: 'network' }, 'error'],
            [{ code: '409' }, 'warn'],
            [{ code: '401' }, 'warn'],
            [{ code: '404' }, 'debug'],                           // gone: the caller expects it
            [{ service: 'identity', code: '404' }, null],         // a customer's bad token: no outage
            [{ service: 'identity', code: '401' }, 'warn']
        ];
        for (const [over, level] of table) {
            expect(failedCallLevel(call(over)), JSON.stringify(over)).to.equal(level as ReturnType<typeof failedCallLevel>);
        }

        const { entries, telemetry } = recorded();
        telemetry.openstackCall(call({ code: '200' }));
        telemetry.openstackCall(call({ code: '503' }));
        telemetry.openstackCall(call({ service: 'load-balancer', method: 'POST', route: '/lbaas/pools/{pool_id}/members', code: '409', requestId: null }));
        telemetry.openstackCall(call({ service: 'network', route: '/subnets/{subnet_id}', code: 'timeout', groupId: null }));
        telemetry.openstackCall(call({ service: 'identity', method: 'POST', route: '/auth/tokens', code: '401', projectId: null, groupId: null }));
        telemetry.openstackCall(call({ service: 'identity', route: '/auth/tokens', code: '404' }));
        expect(entries.map((e) => e.tags)).to.equal([
            ['nova', 'openstack', 'error'],
            ['octavia', 'openstack', 'warn'],
            ['octavia', 'openstack', 'error'],
            ['auth', 'openstack', 'warn']
        ]);
        expect(entries[0]?.data).to.equal({
            event: 'openstack_call_failed', service: 'compute', region: 'RegionOne', method: 'GET', route: '/servers/detail', code: '503', seconds: 0.012,
            projectId: 't1', groupId: 'g1', requestId: 'req-os-1'
        });
    });

    it('tells breakers, converger runs, deliveries and schedule firings at their levels', () => {
        const { entries, telemetry } = recorded();
        telemetry.breaker('compute', 'RegionOne', 'open');
        telemetry.breaker('load-balancer', 'RegionOne', 'half_open');
        telemetry.breaker('compute', 'RegionOne', 'closed');
        for (const outcome of ['error', 'failed', 'hold', 'done', 'deleted'] as const) {
            telemetry.convergeRun(GroupId('g1'), outcome);
        }

        const delivery = { deliveryId: 'd1', groupId: GroupId('g1'), serverId: 's1', event: 'launch', attempts: 2 } as const;
        telemetry.delivery({ ...delivery, kind: 'retry', at: new Date('2030-01-01T00:00:04Z'), why: 'answered 503' });
        telemetry.delivery({ ...delivery, kind: 'ended', result: 'abandon', reason: 'workflow_timeout', why: 'no answer before the deadline' });
        telemetry.delivery({ ...delivery, kind: 'ended', result: 'continue', reason: null, why: 'the webhook answered continue' });
        const firing = { tenantId: TenantId('t1'), groupId: GroupId('g1'), policyId: PolicyId('p1'), due: new Date('2030-01-01T00:01:00Z') };
        telemetry.scheduleFiring({ ...firing, result: 'fired', count: 1 });
        telemetry.scheduleFiring({ ...firing, result: 'replayed', count: 1 });
        telemetry.scheduleFiring({ ...firing, result: 'missed', count: 4 });
        expect(entries.map((e) => e.tags)).to.equal([
            ['nova', 'breaker', 'warn'], ['octavia', 'breaker', 'info'], ['nova', 'breaker', 'info'],
            ['converger', 'run', 'error'], ['converger', 'run', 'warn'], ['converger', 'run', 'info'], ['converger', 'run', 'debug'], ['converger', 'run', 'info'],
            ['workflow', 'webhook', 'warn'], ['workflow', 'webhook', 'warn'], ['workflow', 'webhook', 'info'],
            ['schedule', 'firing', 'info'], ['schedule', 'firing', 'debug'], ['schedule', 'firing', 'warn']
        ]);
        expect(entries[0]?.data).to.equal({ event: 'breaker', service: 'compute', region: 'RegionOne', state: 'open' });
        expect(entries[3]?.data).to.equal({ event: 'converge_run', groupId: 'g1', outcome: 'error' });
        expect(entries[8]?.data).to.equal({
            event: 'delivery', kind: 'retry', deliveryId: 'd1', groupId: 'g1', serverId: 's1', workflowEvent: 'launch', attempts: 2, retryAt: '2030-01-01T00:00:04.000Z', why: 'answered 503'
        });
        expect(entries[9]?.data).to.include({ kind: 'ended', result: 'abandon', reason: 'workflow_timeout' });
        expect(entries[13]?.data).to.equal({ event: 'schedule_firing', result: 'missed', count: 4, tenantId: 't1', groupId: 'g1', policyId: 'p1', due: '2030-01-01T00:01:00.000Z' });
    });

    it('hands each event to every sink', () => {
        const told: string[] = [];
        const sink = (name: string): PluginTelemetry => ({
            decision: () => told.push(`${name} decision`),
            convergeRun: () => told.push(`${name} run`),
            delivery: () => told.push(`${name} delivery`),
            scheduleFiring: () => told.push(`${name} firing`),
            openstackCall: () => told.push(`${name} call`),
            breaker: () => told.push(`${name} breaker`)
        });
        const both = allOf([sink('a'), sink('b')]);
        both.decision(request, result);
        both.convergeRun(GroupId('g1'), 'done');
        both.delivery({ deliveryId: 'd1', groupId: GroupId('g1'), serverId: 's1', event: 'launch', attempts: 1, kind: 'retry', at: new Date(), why: 'x' });
        both.scheduleFiring({ tenantId: TenantId('t1'), groupId: GroupId('g1'), policyId: PolicyId('p1'), due: new Date(), result: 'fired', count: 1 });
        both.openstackCall(call({}));
        both.breaker('compute', 'r', 'open');
        expect(told).to.equal(['a decision', 'b decision', 'a run', 'b run', 'a delivery', 'b delivery', 'a firing', 'b firing', 'a call', 'b call', 'a breaker', 'b breaker']);
    });
});
