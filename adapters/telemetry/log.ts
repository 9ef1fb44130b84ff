// The operator's log of what the plugin is told (contract §10): one event per
// decision, per failed OpenStack call, per breaker change, per webhook
// delivery that failed or ended, per schedule firing, per converger run.
// Tags name the subsystem first and the level last (core/engine/log.ts); the
// data is ids, codes and reasons, never a URL, token or secret.
import type { Level, Log, LogTags, Subsystem } from '../../core/engine/log';
import type { ConvergeOutcome } from '../../core/converge/run';
import type { ScheduleFiring } from '../../core/ports/telemetry';
import type { BreakerState } from '../guard/breaker';
import type { CallRecord, ServiceType } from '../http/meter';
import type { PluginTelemetry } from './plugin-telemetry';

// The subsystem a service's calls belong to: the client that made them.
const SUBSYSTEMS: Readonly<Record<ServiceType, Subsystem>> = {
    identity: 'auth',
    compute: 'nova',
    'load-balancer': 'octavia',
    network: 'octavia'
};


// A failed call's level; null for an answer that is not a failure. Keystone's
// 404 to a token validation is a customer's bad token: an answer, not an
// outage, and one per request would drown the log. Another 404 is a resource
// already gone, which callers expect (a delete, a show): debug.
export const failedCallLevel = (record: Pick<CallRecord, 'service' | 'code'>): Level | null => {
    const status = Number(record.code);
    if (Number.isNaN(status) || status >= 500) {
        return 'error';                     // timeout, network, 5xx
    }

    if (status < 400) {
        return null;
    }

    if (status === 404) {
        return record.service === 'identity' ? null : 'debug';
    }

    return 'warn';
};

const CONVERGE_LEVELS: Readonly<Record<ConvergeOutcome | 'error', Level>> = {
    error: 'error', failed: 'warn', hold: 'info', done: 'debug', wait: 'debug', act: 'debug', busy: 'debug', gone: 'debug', deleted: 'info'
};

const FIRING_LEVELS: Readonly<Record<ScheduleFiring, Level>> = { fired: 'info', replayed: 'debug', missed: 'warn' };

const BREAKER_LEVELS: Readonly<Record<BreakerState, Level>> = { open: 'warn', half_open: 'info', closed: 'info' };

export const logTelemetry = (log: Log): PluginTelemetry => {
    const tell = (tags: LogTags, data: Readonly<Record<string, unknown>>): void => log(tags, data);
    return {
        decision: (request, result) => tell(['supervisor', 'decision', 'info'], {
            event: 'decision', outcome: result.outcome, reason: result.reason, source: request.source,
            tenantId: request.tenantId, groupId: request.groupId, policyId: request.policyId,
            ...(request.requestId === undefined ? {} : { requestId: request.requestId }),
            desiredBefore: result.desiredBefore, desiredAfter: result.desiredAfter, activityId: result.activityId,
            ...(result.decisionId === result.activityId ? {} : { decisionId: result.decisionId }),
            forced: request.forced, circleBack: request.circleBack, who: request.who, message: result.message
        }),
        convergeRun: (groupId, result) => tell(['converger', 'run', CONVERGE_LEVELS[result]], { event: 'converge_run', groupId, outcome: result }),
        delivery: (told) => {
            const { kind, deliveryId, groupId, serverId, event, attempts } = told;
            const common = { event: 'delivery', kind, deliveryId, groupId, serverId, workflowEvent: event, attempts };
            if (told.kind === 'retry') {
                tell(['workflow', 'webhook', 'warn'], { ...common, retryAt: told.at.toISOString(), why: told.why });
                return;
            }

            tell(['workflow', 'webhook', told.reason === null ? 'info' : 'warn'], { ...common, result: told.result, reason: told.reason, why: told.why });
        },
        scheduleFiring: (firing) => tell(['schedule', 'firing', FIRING_LEVELS[firing.result]], {
            event: 'schedule_firing', result: firing.result, count: firing.count,
            tenantId: firing.tenantId, groupId: firing.groupId, policyId: firing.policyId, due: firing.due.toISOString()
        }),
        openstackCall: (record) => {
            const level = failedCallLevel(record);
            if (level === null) {
                return;
            }

            tell([SUBSYSTEMS[record.service], 'openstack', level], {
                event: 'openstack_call_failed', service: record.service, region: record.region, method: record.method, route: record.route,
                code: record.code, seconds: Number(record.seconds.toFixed(3)), projectId: record.projectId, groupId: record.groupId, requestId: record.requestId
            });
        },
        breaker: (service, region, state) => tell([SUBSYSTEMS[service], 'breaker', BREAKER_LEVELS[state]], { event: 'breaker', service, region, state })
    };
};
