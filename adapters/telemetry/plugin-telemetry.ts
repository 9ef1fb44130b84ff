// What the plugin is told as it happens: the engine's telemetry, every
// request to OpenStack, every breaker change. Each sink (the Prometheus
// registry, the log) takes all of it; the plugin hands the engine and the
// service clients one value that tells them all.
import type { Telemetry } from '../../core/ports/telemetry';
import type { BreakerState } from '../guard/breaker';
import type { CallRecord, ServiceType } from '../http/meter';

export interface PluginTelemetry extends Telemetry {
    openstackCall(record: CallRecord): void;
    breaker(service: ServiceType, region: string, state: BreakerState): void;
}

export const allOf = (sinks: readonly PluginTelemetry[]): PluginTelemetry => ({
    decision: (request, result) => sinks.forEach((s) => s.decision(request, result)),
    convergeRun: (groupId, result) => sinks.forEach((s) => s.convergeRun(groupId, result)),
    delivery: (delivery) => sinks.forEach((s) => s.delivery(delivery)),
    scheduleFiring: (firing) => sinks.forEach((s) => s.scheduleFiring(firing)),
    openstackCall: (record) => sinks.forEach((s) => s.openstackCall(record)),
    breaker: (service, region, state) => sinks.forEach((s) => s.breaker(service, region, state))
});
