// The load-balancer port: what the built-in workflow's members stage asks of
// Octavia (contract §7), spoken as the service account scoped to the group's
// tenant project. Adapters (adapters/octavia) throw LoadBalancerError
// (core/model/load-balancer.ts); nothing else escapes.
import type { ComputeScope } from './compute';

// The same scope as the group's servers: its tenant's project, in a region.
export type LoadBalancerScope = ComputeScope;

export interface MemberSpec {
    readonly address: string;              // the server's fixed IPv4
    readonly protocolPort: number;
    readonly name: string;                 // the server's name
    readonly subnetId?: string;
    readonly weight?: number;              // Octavia's default (1) when unset
}

export interface PoolMember {
    readonly id: string;
    readonly name: string;
    readonly address: string;
    readonly protocolPort: number;
    readonly subnetId: string | null;
    readonly weight: number;
    readonly provisioningStatus: string;   // ACTIVE | PENDING_CREATE | PENDING_UPDATE | PENDING_DELETE | ERROR, as Octavia says
    readonly operatingStatus: string;      // ONLINE | OFFLINE | NO_MONITOR | ..., as Octavia says
    readonly projectId: string;
}

export interface LoadBalancerMembers {
    // Every pool of a load balancer of the scope's project (Otter's loadBalancerId).
    poolsOf(scope: LoadBalancerScope, loadBalancerId: string): Promise<readonly string[]>;
    // Resolves when Octavia says the pool is the scope's project's; pool_gone
    // otherwise (another tenant's pool meets the same refusal as none at all).
    checkPool(scope: LoadBalancerScope, poolId: string): Promise<void>;
    // Checks the pool first (checkPool), unless `poolChecked`: the caller had
    // checkPool's answer for this pool and scope in the same pass. A pool's
    // project never changes, and a pool deleted since answers the POST with a 404.
    createMember(scope: LoadBalancerScope, poolId: string, member: MemberSpec, poolChecked?: boolean): Promise<{ readonly id: string }>;
    // null when Octavia answers 404: the member (or its pool) is gone.
    showMember(scope: LoadBalancerScope, poolId: string, memberId: string): Promise<PoolMember | null>;
    // Every page, or a LoadBalancerError: never a partial list. Only the project's members.
    listMembers(scope: LoadBalancerScope, poolId: string): Promise<readonly PoolMember[]>;
    setWeight(scope: LoadBalancerScope, poolId: string, memberId: string, weight: number): Promise<'updated' | 'gone'>;
    // 'deleting': accepted, the member shows PENDING_DELETE until Octavia's worker is done.
    deleteMember(scope: LoadBalancerScope, poolId: string, memberId: string): Promise<'deleting' | 'gone'>;
    // A subnet's IPv4 CIDR as Neutron shows it to the project (a member's
    // address is the server's fixed IPv4 in it); null when Neutron answers 404.
    subnetCidr(scope: LoadBalancerScope, subnetId: string): Promise<string | null>;
}
