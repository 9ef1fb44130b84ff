// Any LoadBalancerMembers, wrapped with the same rules as Nova (contract §7):
// a Retry-After hold, a breaker and a member creation budget per region,
// composed in adapters/guard/region-guards.ts. They are Octavia's own: an
// Octavia in trouble does not stop Nova calls to the same region, nor the
// other way round. Only member creates spend the budget.
import { LoadBalancerError, type LoadBalancerErrorKind } from '../../core/model/load-balancer';
import { type BreakerOptions, namedBreaker, type RegionBreaker } from '../guard/breaker';
import type { CreateBudgetLimits } from '../guard/budget';
import { type GuardOptions, type GuardVoice, type Refusal, RegionGuards, type RegionGuardState } from '../guard/region-guards';
import type { LoadBalancerMembers, LoadBalancerScope, MemberSpec, PoolMember } from '../../core/ports/load-balancers';

export type GuardedOctaviaOptions = GuardOptions;

// What trips the breaker: Octavia failing or overloaded. A refusal (400, 404,
// 409 duplicate) or a busy load balancer (409 immutable) is a working Octavia.
export const TRIPPING_KINDS: ReadonlySet<LoadBalancerErrorKind> = new Set<LoadBalancerErrorKind>(['server_error', 'unavailable', 'timeout', 'network', 'over_limit']);

export const countsAgainstOctavia = (err: unknown): boolean => err instanceof LoadBalancerError && TRIPPING_KINDS.has(err.kind);

export const octaviaBreaker = (region: string, options: BreakerOptions): RegionBreaker =>
    namedBreaker(`octavia:${region}`, options, countsAgainstOctavia);

const refuse = (refusal: Refusal): LoadBalancerError => {
    switch (refusal.why) {
        case 'retry_after':
            return new LoadBalancerError('held', `Load-balancer calls to ${refusal.region} are held by Octavia's Retry-After for ${refusal.waitS} s more`, null, refusal.waitS);
        case 'budget':
            return new LoadBalancerError('held', `Member creation budget of ${refusal.region} spent (${refusal.limit})`, null, refusal.waitS);
        case 'budget_unknown':
            return new LoadBalancerError('held', `The cluster's member creation budget of ${refusal.region} cannot be read (the database is out of reach): no member created`, null, refusal.waitS);
        case 'breaker_open':
            return new LoadBalancerError('breaker_open', `The load-balancer breaker of ${refusal.region} is open: Octavia is failing there`, null, refusal.waitS);
        case 'closed':
            return new LoadBalancerError('breaker_open', `GuardedOctavia is closed: no call to ${refusal.region}`);
    }
};

// Only Octavia's "slow down" answers (413/429, 503) hold the region.
const holdOf = (err: unknown): number | null =>
    err instanceof LoadBalancerError && (err.kind === 'over_limit' || err.kind === 'unavailable') ? err.retryAfterS : null;

const OCTAVIA_VOICE: GuardVoice = { service: 'load-balancer', breaker: octaviaBreaker, refuse, holdOf };

export class GuardedOctavia implements LoadBalancerMembers {
    readonly breakerOptions: BreakerOptions;
    readonly budgetLimits: CreateBudgetLimits;
    private readonly guards: RegionGuards;

    constructor(private readonly inner: LoadBalancerMembers, options: GuardedOctaviaOptions = {}) {
        this.guards = new RegionGuards(OCTAVIA_VOICE, options);
        this.breakerOptions = this.guards.breakerOptions;
        this.budgetLimits = this.guards.budgetLimits;
    }

    poolsOf(scope: LoadBalancerScope, loadBalancerId: string): Promise<readonly string[]> {
        return this.guards.run(scope.region, false, () => this.inner.poolsOf(scope, loadBalancerId));
    }

    checkPool(scope: LoadBalancerScope, poolId: string): Promise<void> {
        return this.guards.run(scope.region, false, () => this.inner.checkPool(scope, poolId));
    }

    createMember(scope: LoadBalancerScope, poolId: string, member: MemberSpec, poolChecked?: boolean): Promise<{ readonly id: string }> {
        return this.guards.run(scope.region, true, () => this.inner.createMember(scope, poolId, member, poolChecked));
    }

    showMember(scope: LoadBalancerScope, poolId: string, memberId: string): Promise<PoolMember | null> {
        return this.guards.run(scope.region, false, () => this.inner.showMember(scope, poolId, memberId));
    }

    listMembers(scope: LoadBalancerScope, poolId: string): Promise<readonly PoolMember[]> {
        return this.guards.run(scope.region, false, () => this.inner.listMembers(scope, poolId));
    }

    setWeight(scope: LoadBalancerScope, poolId: string, memberId: string, weight: number): Promise<'updated' | 'gone'> {
        return this.guards.run(scope.region, false, () => this.inner.setWeight(scope, poolId, memberId, weight));
    }

    deleteMember(scope: LoadBalancerScope, poolId: string, memberId: string): Promise<'deleting' | 'gone'> {
        return this.guards.run(scope.region, false, () => this.inner.deleteMember(scope, poolId, memberId));
    }

    subnetCidr(scope: LoadBalancerScope, subnetId: string): Promise<string | null> {
        return this.guards.run(scope.region, false, () => this.inner.subnetCidr(scope, subnetId));
    }

    state(region: string | null): RegionGuardState {
        return this.guards.state(region);
    }

    // Shuts every breaker down (their timers with them); later calls are refused.
    close(): void {
        this.guards.close();
    }
}
