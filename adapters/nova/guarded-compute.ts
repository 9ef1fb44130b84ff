// Any Compute, wrapped so that a Nova in trouble is not made worse (design
// idea 5, contract §3): a Retry-After hold, a breaker named compute:<region>
// and a creation budget per region, composed in adapters/guard/region-guards.ts
// (the holds and the budget the cluster's, given a cluster link: contract §9).
// Only creates spend the budget.
import { type Compute, type ComputeScope } from '../../core/ports/compute';
import { ComputeError, type NovaServer } from '../../core/model/server';
import { type GuardOptions, type GuardVoice, type Refusal, RegionGuards, type RegionGuardState } from '../guard/region-guards';
import type { BreakerOptions } from '../guard/breaker';
import type { CreateBudgetLimits } from '../guard/budget';
import { regionBreaker } from './region-breaker';

export type GuardedComputeOptions = GuardOptions;
export type { RegionGuardState };

const refuse = (refusal: Refusal): ComputeError => {
    switch (refusal.why) {
        case 'retry_after':
            return new ComputeError('held', `Compute calls to ${refusal.region} are held by Nova's Retry-After for ${refusal.waitS} s more`, null, refusal.waitS);
        case 'budget':
            return new ComputeError('held', `Creation budget of ${refusal.region} spent (${refusal.limit})`, null, refusal.waitS);
        case 'budget_unknown':
            return new ComputeError('held', `The cluster's creation budget of ${refusal.region} cannot be read (the database is out of reach): no create sent`, null, refusal.waitS);
        case 'breaker_open':
            return new ComputeError('breaker_open', `The compute breaker of ${refusal.region} is open: Nova is failing there`, null, refusal.waitS);
        case 'closed':
            return new ComputeError('breaker_open', `GuardedCompute is closed: no call to ${refusal.region}`);
    }
};

// Only Nova's "slow down" answers (413/429, 503) hold the region.
const holdOf = (err: unknown): number | null =>
    err instanceof ComputeError && (err.kind === 'over_limit' || err.kind === 'unavailable') ? err.retryAfterS : null;

const NOVA_VOICE: GuardVoice = { service: 'compute', breaker: regionBreaker, refuse, holdOf };

export class GuardedCompute implements Compute {
    readonly breakerOptions: BreakerOptions;
    readonly budgetLimits: CreateBudgetLimits;
    private readonly guards: RegionGuards;

    constructor(private readonly inner: Compute, options: GuardedComputeOptions = {}) {
        this.guards = new RegionGuards(NOVA_VOICE, options);
        this.breakerOptions = this.guards.breakerOptions;
        this.budgetLimits = this.guards.budgetLimits;
    }

    createServer(scope: ComputeScope, server: Readonly<Record<string, unknown>>): Promise<{ readonly id: string }> {
        return this.guards.run(scope.region, true, () => this.inner.createServer(scope, server));
    }

    listServers(scope: ComputeScope): Promise<readonly NovaServer[]> {
        return this.guards.run(scope.region, false, () => this.inner.listServers(scope));
    }

    deleteServer(scope: ComputeScope, serverId: string): Promise<'deleting' | 'gone'> {
        return this.guards.run(scope.region, false, () => this.inner.deleteServer(scope, serverId));
    }

    // Keystone's catalog, not a call to Nova: no hold, breaker or budget applies.
    endpoint(scope: ComputeScope): Promise<string | null> {
        return this.inner.endpoint?.(scope) ?? Promise.resolve(null);
    }

    state(region: string | null): RegionGuardState {
        return this.guards.state(region);
    }

    // Shuts every breaker down (their timers with them); later calls are refused.
    close(): void {
        this.guards.close();
    }
}
