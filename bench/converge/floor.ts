// The floors of the converger bench: bare undici loops against the simulator,
// no store, no planner, no breaker. createFloor issues creates under the same
// concurrency and creation budget (adapters/nova/budget.ts, the same token bucket) as the
// plugin; naiveRetry is the per-group retry loop an outage is compared with.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { admitCreate, type CreateBudgetLimits, finishCreate, freshBudget } from '../../adapters/nova/budget';
import { serverRequest } from '../../core/converge/observe';
import { DEMO, type Simulator } from '../../simulator';
import type { BenchGroup } from './rig';

const launch = { name: 'bench', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: 'none' };

interface Target {
    readonly pool: Pool;
    readonly path: string;
    readonly tokens: Map<string, string>;
}

const targetOf = (sim: Simulator, groups: readonly BenchGroup[], connections: number): Target => {
    const tokens = new Map<string, string>();
    for (const g of groups) {
        if (!tokens.has(g.tenantId)) {
            tokens.set(g.tenantId, sim.issueToken({ userName: DEMO.serviceUser.name, projectId: g.tenantId }));
        }
    }

    return { pool: new Pool(sim.origin, { connections }), path: `${new URL(sim.computeUrl).pathname}/servers`, tokens };
};

// One POST /servers for the group; the status code.
const create = async (t: Target, g: BenchGroup): Promise<number> => {
    const res = await t.pool.request({
        method: 'POST', path: t.path,
        headers: { 'content-type': 'application/json', 'x-auth-token': t.tokens.get(g.tenantId) ?? '', 'openstack-api-version': 'compute 2.37' },
        body: JSON.stringify({ server: serverRequest(launch, g.groupId, randomUUID()) })
    });
    await res.body.dump();
    return res.statusCode;
};

export interface FloorRun {
    readonly wallMs: number;
    readonly created: number;
    readonly failed: number;
}

// `total` creates, spread evenly over the groups, `concurrency` workers, each
// waiting for the budget's token exactly as long as it says before sending.
export const createFloor = async (sim: Simulator, groups: readonly BenchGroup[], total: number, concurrency: number, limits: CreateBudgetLimits): Promise<FloorRun> => {
    const t = targetOf(sim, groups, concurrency);
    let budget = freshBudget(limits, Date.now());
    let next = 0;
    let created = 0;
    let failed = 0;
    const worker = async (): Promise<void> => {
        for (let i = next++; i < total; i = next++) {
            for (;;) {
                const admission = admitCreate(budget, limits, Date.now());
                budget = admission.state;
                if (admission.admitted) {
                    break;
                }

                await sleep(admission.waitMs);
            }

            try {
                if (await create(t, groups[i % groups.length] as BenchGroup) === 202) {
                    created++;
                }
                else {
                    failed++;
                }
            }
            finally {
                budget = finishCreate(budget);
            }
        }
    };

    const started = Date.now();
    try {
        await Promise.all(Array.from({ length: concurrency }, worker));
        return { wallMs: Date.now() - started, created, failed };
    }
    finally {
        await t.pool.close();
    }
};

// Each group retries its create every retryMs until untilMs, no breaker, no backoff.
export const naiveRetry = async (sim: Simulator, groups: readonly BenchGroup[], untilMs: number, retryMs: number): Promise<number> => {
    const t = targetOf(sim, groups, 128);
    let sent = 0;
    const loop = async (g: BenchGroup): Promise<void> => {
        while (Date.now() < untilMs) {
            sent++;
            if (await create(t, g).catch(() => 0) === 202) {
                return;
            }

            await sleep(retryMs);
        }
    };

    try {
        await Promise.all(groups.map(loop));
        return sent;
    }
    finally {
        await t.pool.close();
    }
};
