// A fake LoadBalancerMembers for the guard tests: counts what reaches it and
// answers as the test says (at once, with an error, or when released).
import type { LoadBalancerMembers, LoadBalancerScope, PoolMember } from '../../core/ports/load-balancers';

export type MemberMethod = 'pools' | 'check' | 'create' | 'show' | 'list' | 'weight' | 'delete' | 'subnet';

export interface MemberCall {
    readonly method: MemberMethod;
    readonly region: string | null;
}

// What a call does: null succeeds at once, an error is thrown, a promise is waited for.
export type MemberAnswer = Error | Promise<void> | null;

export class FakeMembers implements LoadBalancerMembers {
    readonly calls: MemberCall[] = [];
    answer: (call: MemberCall) => MemberAnswer = () => null;

    async poolsOf(scope: LoadBalancerScope): Promise<readonly string[]> {
        await this.reach('pools', scope);
        return ['p1'];
    }

    async checkPool(scope: LoadBalancerScope): Promise<void> {
        await this.reach('check', scope);
    }

    async createMember(scope: LoadBalancerScope): Promise<{ readonly id: string }> {
        await this.reach('create', scope);
        return { id: `m${this.calls.length}` };
    }

    async showMember(scope: LoadBalancerScope): Promise<PoolMember | null> {
        await this.reach('show', scope);
        return null;
    }

    async listMembers(scope: LoadBalancerScope): Promise<readonly PoolMember[]> {
        await this.reach('list', scope);
        return [];
    }

    async setWeight(scope: LoadBalancerScope): Promise<'updated' | 'gone'> {
        await this.reach('weight', scope);
        return 'updated';
    }

    async deleteMember(scope: LoadBalancerScope): Promise<'deleting' | 'gone'> {
        await this.reach('delete', scope);
        return 'deleting';
    }

    async subnetCidr(scope: LoadBalancerScope): Promise<string | null> {
        await this.reach('subnet', scope);
        return '10.0.0.0/24';
    }

    count(method?: MemberMethod, region?: string | null): number {
        return this.calls.filter((c) => (method === undefined || c.method === method) && (region === undefined || c.region === region)).length;
    }

    private async reach(method: MemberMethod, scope: LoadBalancerScope): Promise<void> {
        const call = { method, region: scope.region };
        this.calls.push(call);
        const answer = this.answer(call);
        if (answer instanceof Error) {
            throw answer;
        }

        if (answer !== null) {
            await answer;
        }
    }
}

// Every method once, each settled to 'ok' or its error kind.
export const everyCall = (m: LoadBalancerMembers, scope: LoadBalancerScope, outcome: (p: Promise<unknown>) => Promise<string>): Promise<string[]> => Promise.all([
    outcome(m.poolsOf(scope, 'lb-1')),
    outcome(m.checkPool(scope, 'p1')),
    outcome(m.createMember(scope, 'p1', { address: '10.0.0.1', protocolPort: 80, name: 'web' })),
    outcome(m.showMember(scope, 'p1', 'm1')),
    outcome(m.listMembers(scope, 'p1')),
    outcome(m.setWeight(scope, 'p1', 'm1', 0)),
    outcome(m.deleteMember(scope, 'p1', 'm1')),
    outcome(m.subnetCidr(scope, 's1'))
]);
