// One operation measured on the plugin and on the floor: warm-up, then rounds
// alternating which goes first, best round of each kept.
import type { Pool } from 'undici';
import type { Host } from './hosts';
import { requestJson, runLoad, type RequestSpec } from '../shared/load';
import type { HostUsage } from '../shared/protocol';
import { createGroupBody, createdId, groupPath, groupsPath } from './requests';
import type { BenchSettings, Operation } from '../shared/settings';
import { best, figuresOf, type RunFigures } from '../shared/stats';

export interface Target {
    readonly host: Host;
    readonly pool: Pool;
}

export interface Side {
    readonly best: RunFigures;
    readonly runs: readonly RunFigures[];
    readonly usage: HostUsage;                 // after the op's last run
    readonly firstFailure: string | null;
    readonly groupsAfterLastRun: number;       // create: groups the tenant held at the end of the last run
}

export interface Comparison {
    readonly operation: Operation;
    readonly plugin: Side;
    readonly floor: Side;
}

export interface Caller {
    readonly tenantId: string;
    readonly token: string;
}

const SEEDED_GROUPS = 256;

const headers = (caller: Caller, withBody: boolean): Record<string, string> => ({
    'x-auth-token': caller.token,
    accept: 'application/json',
    ...(withBody ? { 'content-type': 'application/json' } : {})
});

const createSpec = (caller: Caller): RequestSpec => ({ method: 'POST', path: groupsPath(caller.tenantId), headers: headers(caller, true), body: createGroupBody });

// Groups for a get run to read, made through the same server.
const seed = async (target: Target, caller: Caller): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < SEEDED_GROUPS; i++) {
        ids.push(createdId(await requestJson(target.pool, createSpec(caller), 201)));
    }

    return ids;
};

interface Plan {
    readonly expectStatus: number;
    before(target: Target): Promise<void>;     // before every run, warm-up included
    spec(target: Target): (i: number) => RequestSpec;
}

const planFor = async (operation: Operation, targets: readonly Target[], caller: Caller): Promise<Plan> => {
    if (operation === 'create') {
        const spec = createSpec(caller);
        return { expectStatus: 201, before: async (target) => { await target.host.reset(); }, spec: () => () => spec };
    }

    const ids = new Map<Target, string[]>();
    for (const target of targets) {
        ids.set(target, await seed(target, caller));
    }

    return {
        expectStatus: 200,
        before: () => Promise.resolve(),
        spec: (target) => {
            const mine = ids.get(target) ?? [];
            const specs = mine.map((id): RequestSpec => ({ method: 'GET', path: groupPath(caller.tenantId, id), headers: headers(caller, false) }));
            return (i) => specs[i % specs.length] as RequestSpec;
        }
    };
};

export const compare = async (operation: Operation, plugin: Target, floor: Target, caller: Caller, settings: BenchSettings): Promise<Comparison> => {
    const plan = await planFor(operation, [plugin, floor], caller);
    const options = { concurrency: settings.concurrency, expectStatus: plan.expectStatus };
    const runs = new Map<Target, RunFigures[]>([[plugin, []], [floor, []]]);
    const failures = new Map<Target, string | null>([[plugin, null], [floor, null]]);
    const groups = new Map<Target, number>([[plugin, 0], [floor, 0]]);

    for (const target of [floor, plugin]) {
        await plan.before(target);
        await runLoad(target.pool, plan.spec(target), { ...options, seconds: settings.warmupSeconds });
    }

    for (let round = 0; round < settings.rounds; round++) {
        for (const target of round % 2 === 0 ? [floor, plugin] : [plugin, floor]) {
            await plan.before(target);
            const cpuBefore = (await target.host.usage()).cpuMicros;
            const result = await runLoad(target.pool, plan.spec(target), { ...options, seconds: settings.seconds });
            const cpuAfter = (await target.host.usage()).cpuMicros;
            runs.get(target)?.push(figuresOf(result, cpuAfter - cpuBefore));
            groups.set(target, result.requests);
            if (failures.get(target) === null) {
                failures.set(target, result.firstFailure);
            }
        }
    }

    const side = async (target: Target): Promise<Side> => ({
        best: best(runs.get(target) ?? []),
        runs: runs.get(target) ?? [],
        usage: await target.host.usage(),
        firstFailure: failures.get(target) ?? null,
        groupsAfterLastRun: operation === 'create' ? groups.get(target) ?? 0 : 0
    });
    return { operation, plugin: await side(plugin), floor: await side(floor) };
};
