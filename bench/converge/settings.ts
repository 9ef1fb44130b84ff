// The converger bench's knobs (issue 5 item 8), scaled down by default so each
// part fits in about a minute on a small machine; the sizes in ():
// BENCH_CONVERGE_PARTS=creates,outage,sweep,members,cluster,cluster-plugin,takeover
// BENCH_CONVERGE_CREATES=2000 (10000)  BENCH_CONVERGE_GROUPS=200 (1000)  BENCH_CONVERGE_GROUPS_PER_TENANT=10
// BENCH_CONVERGE_RATES=100 (creates/s of the budget, one row each)  BENCH_CONVERGE_BURST=10  BENCH_CONVERGE_IN_FLIGHT=20
// BENCH_CONVERGE_STORM=off,on (the storm guard, one run each)
// BENCH_CONVERGE_CONCURRENCY=10 (the converger's creates in flight per run, and the floor's workers)
// BENCH_OUTAGE_GROUPS=1000 (1000)  BENCH_OUTAGE_SECONDS=15 (60)  BENCH_OUTAGE_NAIVE_RETRY_MS=100
// BENCH_SWEEP_GROUPS=1000 (10000)  BENCH_SWEEP_SERVERS=10 (10, servers per group; 100,000 in all)
// BENCH_MEMBERS_SERVERS=1000 (1000, joining one pool)  BENCH_MEMBERS_GROUPS=10
// BENCH_CLUSTER_INSTANCES=3 (3)  BENCH_CLUSTER_SECONDS=10  BENCH_CLUSTER_RATE=100 (100, the region's creates/s)
// cluster-plugin, the whole plugin in BENCH_CLUSTER_INSTANCES processes at BENCH_CLUSTER_RATE (burst BENCH_CONVERGE_BURST):
// BENCH_CLUSTER_GROUPS=1000 (1000)  BENCH_CLUSTER_SERVERS=10 (10, per group: 10,000 creates)  BENCH_CLUSTER_IN_FLIGHT=100
// BENCH_CLUSTER_PARALLEL_GROUPS=16 (converger runs at once per instance; creates in flight per run: the servers per group)
// BENCH_CLUSTER_STORM=off (the storm guard; on: paced at the budget's rate)
// takeover, a kill -9 of the instance converging a group: BENCH_TAKEOVER_RUNS=10 (10)  BENCH_TAKEOVER_TTL_S=5 (the lease TTL)
// BENCH_TAKEOVER_CREATE_MS=1500 (how long the simulator takes to answer a create)  BENCH_TAKEOVER_SERVERS=5
import { list, number } from '../shared/settings';

export type ConvergePart = 'creates' | 'outage' | 'sweep' | 'members' | 'cluster' | 'cluster-plugin' | 'takeover';

export interface ConvergeSettings {
    readonly parts: readonly ConvergePart[];
    readonly creates: number;
    readonly groups: number;
    readonly groupsPerTenant: number;
    readonly rates: readonly number[];
    readonly storm: readonly boolean[];
    readonly burst: number;
    readonly maxInFlight: number;
    readonly concurrency: number;
    readonly outageGroups: number;
    readonly outageSeconds: number;
    readonly naiveRetryMs: number;
    readonly sweepGroups: number;
    readonly sweepServers: number;
    readonly membersServers: number;
    readonly membersGroups: number;
    readonly clusterInstances: number;
    readonly clusterSeconds: number;
    readonly clusterRate: number;
    readonly clusterGroups: number;
    readonly clusterServers: number;
    readonly clusterInFlight: number;
    readonly clusterParallelGroups: number;
    readonly clusterStorm: boolean;
    readonly takeoverRuns: number;
    readonly takeoverTtlS: number;
    readonly takeoverCreateMs: number;
    readonly takeoverServers: number;
}

const numbers = (name: string, fallback: readonly number[]): number[] => {
    const raw = process.env[name];
    const values = raw === undefined || raw === '' ? [...fallback] : raw.split(',').map(Number);
    if (values.some((v) => !Number.isFinite(v) || v <= 0)) {
        throw new Error(`${name} must be positive numbers, got "${raw}"`);
    }

    return values;
};

const integer = (name: string, fallback: number): number => Math.round(number(name, fallback));

export const convergeSettings = (): ConvergeSettings => ({
    parts: list<ConvergePart>('BENCH_CONVERGE_PARTS', ['creates', 'outage', 'sweep', 'members', 'cluster', 'cluster-plugin', 'takeover']),
    creates: integer('BENCH_CONVERGE_CREATES', 2000),
    groups: integer('BENCH_CONVERGE_GROUPS', 200),
    groupsPerTenant: integer('BENCH_CONVERGE_GROUPS_PER_TENANT', 10),
    rates: numbers('BENCH_CONVERGE_RATES', [100]),
    storm: list<'off' | 'on'>('BENCH_CONVERGE_STORM', ['off', 'on']).map((s) => s === 'on'),
    burst: integer('BENCH_CONVERGE_BURST', 10),
    maxInFlight: integer('BENCH_CONVERGE_IN_FLIGHT', 20),
    concurrency: integer('BENCH_CONVERGE_CONCURRENCY', 10),
    outageGroups: integer('BENCH_OUTAGE_GROUPS', 1000),
    outageSeconds: number('BENCH_OUTAGE_SECONDS', 15),
    naiveRetryMs: number('BENCH_OUTAGE_NAIVE_RETRY_MS', 100),
    sweepGroups: integer('BENCH_SWEEP_GROUPS', 1000),
    sweepServers: integer('BENCH_SWEEP_SERVERS', 10),
    membersServers: integer('BENCH_MEMBERS_SERVERS', 1000),
    membersGroups: integer('BENCH_MEMBERS_GROUPS', 10),
    clusterInstances: integer('BENCH_CLUSTER_INSTANCES', 3),
    clusterSeconds: number('BENCH_CLUSTER_SECONDS', 10),
    clusterRate: number('BENCH_CLUSTER_RATE', 100),
    clusterGroups: integer('BENCH_CLUSTER_GROUPS', 1000),
    clusterServers: integer('BENCH_CLUSTER_SERVERS', 10),
    clusterInFlight: integer('BENCH_CLUSTER_IN_FLIGHT', 100),
    clusterParallelGroups: integer('BENCH_CLUSTER_PARALLEL_GROUPS', 16),
    clusterStorm: list<'off' | 'on'>('BENCH_CLUSTER_STORM', ['off', 'on'])[0] === 'on',
    takeoverRuns: integer('BENCH_TAKEOVER_RUNS', 10),
    takeoverTtlS: integer('BENCH_TAKEOVER_TTL_S', 5),
    takeoverCreateMs: integer('BENCH_TAKEOVER_CREATE_MS', 1500),
    takeoverServers: integer('BENCH_TAKEOVER_SERVERS', 5)
});
