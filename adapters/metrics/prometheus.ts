// The plugin's metrics (contract §10) in a Prometheus registry of its own, so
// a host may serve it as it is or merge it into its own /metrics: the
// engine's counts (core/ports/telemetry.ts), every request to OpenStack as the
// service clients tell it, the breakers as they open and close, and gauges of
// groups and servers read from the database at most once per TALLY_TTL_MS.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { cachedFor } from '../../core/engine/cached';
import type { Clock } from '../../core/ports/clock';
import type { PluginTelemetry } from '../telemetry/plugin-telemetry';
import type { Tallies } from '../store/tallies';
import { processRegistry } from './process';

export const TALLY_TTL_MS = 5000;

export interface PluginMetrics extends PluginTelemetry {
    readonly registry: Registry;
    // The registry's text with the process's own series, as GET /metrics answers it.
    scrape(): Promise<string>;
}

const PREFIX = 'nova_autoscale_';

export const pluginMetrics = (tallies: () => Promise<Tallies>, clock: Clock): PluginMetrics => {
    const registry = new Registry();
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
        new Counter<L>({ name: `${PREFIX}${name}`, help, labelNames, registers: [registry] });
    const decisions = counter('decisions_total', 'Triggers decided, by source, outcome and reason code', ['source', 'outcome', 'reason']);
    const requests = counter('openstack_requests_total', 'Requests sent to OpenStack services, by answer status (or timeout, network)', ['service', 'region', 'method', 'code']);
    const seconds = new Histogram<'service' | 'region' | 'method'>({
        name: `${PREFIX}openstack_request_seconds`, help: 'Time to an OpenStack service\'s answer', labelNames: ['service', 'region', 'method'],
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry]
    });
    const breakerOpen = new Gauge<'service' | 'region'>({ name: `${PREFIX}breaker_open`, help: '1 while the region\'s breaker for the service is open (or half open)', labelNames: ['service', 'region'], registers: [registry] });
    const runs = counter('converge_runs_total', 'Converger runs, by outcome', ['result']);
    const deliveries = counter('workflow_deliveries_total', 'Webhook workflow deliveries ended, by event and result', ['event', 'result']);
    const firings = counter('schedule_firings_total', 'Schedule due times: fired here, replayed (decided elsewhere), missed', ['result']);
    const read = cachedFor(clock, TALLY_TTL_MS, tallies);
    const tallyGauge = (name: string, help: string, label: 'status' | 'state', pick: (t: Tallies) => Readonly<Record<string, number>>) =>
        new Gauge({
            name: `${PREFIX}${name}`, help, labelNames: [label], registers: [registry],
            // With the database out of reach the gauges are left out, not the
            // scrape: the counts matter most during an incident.
            async collect() {
                this.reset();
                const counted = await read().catch(() => null);
                for (const [key, n] of Object.entries(counted === null ? {} : pick(counted))) {
                    this.set({ [label]: key }, n);
                }
            }
        });
    tallyGauge('groups', 'Scaling groups by status', 'status', (t) => t.groups);
    tallyGauge('servers', 'Servers the ledger holds, by state', 'state', (t) => t.servers);

    return {
        registry,
        decision: (request, result) => decisions.inc({ source: request.source, outcome: result.outcome, reason: result.reason }),
        convergeRun: (_groupId, result) => runs.inc({ result }),
        // A delivery's end is counted; an attempt that will be tried again is the log's.
        delivery: (told) => {
            if (told.kind === 'ended') {
                deliveries.inc({ event: told.event, result: told.result });
            }
        },
        scheduleFiring: (firing) => firings.inc({ result: firing.result }, firing.count),
        openstackCall: (r) => {
            requests.inc({ service: r.service, region: r.region, method: r.method, code: r.code });
            seconds.observe({ service: r.service, region: r.region, method: r.method }, r.seconds);
        },
        breaker: (service, region, state) => breakerOpen.set({ service, region }, state === 'closed' ? 0 : 1),
        scrape: async () => (await Registry.merge([registry, processRegistry()]).metrics())
    };
};
