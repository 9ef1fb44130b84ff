// Octavia's load balancers, listeners, pools and members. As with servers, a
// record stores when a change was accepted and when Octavia's worker is done
// with it; the provisioning status a client sees is computed from those times
// on every read, so an injected clock drives it.
import { uuid } from './ids';
import { SimInputError } from './sim-error';
import type { ProvisioningStatus, SimLoadBalancer, SimMember, SimPool } from './types';

// A change being applied: PENDING_* from `from` until `until`.
export interface Busy {
    readonly from: Date;
    readonly until: Date;
}

export interface LoadBalancerRecord {
    readonly id: string;
    readonly projectId: string;
    readonly name: string;
    readonly description: string;
    readonly vip: { readonly subnetId: string; readonly networkId: string; readonly address: string; readonly portId: string };
    readonly createdAt: Date;
    readonly listenerIds: string[];
    readonly poolIds: string[];
    busy: Busy | null;
    fixed: ProvisioningStatus | null;                 // set by hand; holds until cleared
}

export interface ListenerRecord {
    readonly id: string;
    readonly projectId: string;
    readonly loadBalancerId: string;
    readonly name: string;
    readonly protocol: string;
    readonly protocolPort: number;
    defaultPoolId: string | null;
    readonly createdAt: Date;
    busy: Busy | null;
}

export interface PoolRecord {
    readonly id: string;
    readonly projectId: string;
    readonly loadBalancerId: string;
    readonly listenerIds: string[];
    readonly name: string;
    readonly protocol: string;
    readonly lbAlgorithm: string;
    readonly createdAt: Date;
    readonly memberIds: string[];                     // in creation order; gone members are dropped on the way
    busy: Busy | null;
    fixed: ProvisioningStatus | null;
}

export type MemberChangeKind = 'CREATE' | 'UPDATE' | 'DELETE';

export interface MemberRecord {
    readonly id: string;
    readonly projectId: string;
    readonly poolId: string;
    name: string;
    readonly address: string;
    readonly protocolPort: number;
    readonly subnetId: string | null;
    weight: number;
    adminStateUp: boolean;
    backup: boolean;
    monitorAddress: string | null;
    monitorPort: number | null;
    tags: string[];
    readonly createdAt: Date;
    updatedAt: Date | null;                           // as of the last change done
    change: { readonly kind: MemberChangeKind } & Busy | null;
}

export type MemberFields = Pick<MemberRecord, 'name' | 'weight' | 'adminStateUp' | 'backup' | 'monitorAddress' | 'monitorPort' | 'tags'>;

export type NewMember = Pick<MemberRecord, 'projectId' | 'poolId' | 'address' | 'protocolPort' | 'subnetId'> & MemberFields & { readonly id?: string };

const pending = (busy: Busy | null, now: Date): boolean => busy !== null && now.getTime() < busy.until.getTime();

export class LoadBalancerStore {
    private readonly loadBalancers = new Map<string, LoadBalancerRecord>();
    private readonly listeners = new Map<string, ListenerRecord>();
    private readonly pools = new Map<string, PoolRecord>();
    private readonly members = new Map<string, MemberRecord>();

    addLoadBalancer(record: Omit<LoadBalancerRecord, 'listenerIds' | 'poolIds' | 'busy' | 'fixed'>): LoadBalancerRecord {
        unique(this.loadBalancers, record.id, 'load balancer');
        const lb: LoadBalancerRecord = { ...record, listenerIds: [], poolIds: [], busy: null, fixed: null };
        this.loadBalancers.set(lb.id, lb);
        return lb;
    }

    addListener(record: Omit<ListenerRecord, 'busy'>): ListenerRecord {
        unique(this.listeners, record.id, 'listener');
        const listener: ListenerRecord = { ...record, busy: null };
        this.known(this.loadBalancers, listener.loadBalancerId).listenerIds.push(listener.id);
        this.listeners.set(listener.id, listener);
        return listener;
    }

    // A pool named with a listener becomes that listener's default pool, if it has none yet.
    addPool(record: Omit<PoolRecord, 'memberIds' | 'busy' | 'fixed'>): PoolRecord {
        unique(this.pools, record.id, 'pool');
        const pool: PoolRecord = { ...record, memberIds: [], busy: null, fixed: null };
        this.known(this.loadBalancers, pool.loadBalancerId).poolIds.push(pool.id);
        this.pools.set(pool.id, pool);
        for (const listenerId of pool.listenerIds) {
            this.known(this.listeners, listenerId).defaultPoolId ??= pool.id;
        }

        return pool;
    }

    loadBalancer(id: string): LoadBalancerRecord | undefined {
        return this.loadBalancers.get(id);
    }

    listener(id: string): ListenerRecord | undefined {
        return this.listeners.get(id);
    }

    pool(id: string): PoolRecord | undefined {
        return this.pools.get(id);
    }

    // The member, unless its delete is done.
    member(id: string, now: Date): MemberRecord | undefined {
        const member = this.members.get(id);
        return member && memberStatus(member, now) !== null ? member : undefined;
    }

    listLoadBalancers(): LoadBalancerRecord[] {
        return [...this.loadBalancers.values()];
    }

    listListeners(): ListenerRecord[] {
        return [...this.listeners.values()];
    }

    listPools(): PoolRecord[] {
        return [...this.pools.values()];
    }

    // A pool's members as of now, in creation order; the ones whose delete is done are forgotten.
    poolMembers(pool: PoolRecord, now: Date): MemberRecord[] {
        const live: MemberRecord[] = [];
        for (const id of [...pool.memberIds]) {
            const member = this.members.get(id) as MemberRecord;
            if (memberStatus(member, now) === null) {
                this.members.delete(id);
                pool.memberIds.splice(pool.memberIds.indexOf(id), 1);
            }
            else {
                live.push(member);
            }
        }

        return live;
    }

    // Any member ever known, for a listing's marker (Octavia looks it up by id alone).
    anyMember(id: string): MemberRecord | undefined {
        return this.members.get(id);
    }

    // What makes a change to the pool's members wait, as Octavia checks it:
    // the pool first, then its load balancer (and listeners, busy with it).
    immutable(pool: PoolRecord, now: Date): { readonly resource: 'Pool' | 'Load Balancer'; readonly id: string } | null {
        if (poolStatus(pool, now) !== 'ACTIVE') {
            return { resource: 'Pool', id: pool.id };
        }

        const lb = this.known(this.loadBalancers, pool.loadBalancerId);
        return loadBalancerStatus(lb, now) === 'ACTIVE' ? null : { resource: 'Load Balancer', id: lb.id };
    }

    // Octavia refuses a second member with the same address and port in a pool (a database constraint).
    duplicate(pool: PoolRecord, address: string, protocolPort: number, now: Date): boolean {
        return this.poolMembers(pool, now).some((m) => m.address === address && m.protocolPort === protocolPort);
    }

    // A member created through the API: PENDING_CREATE for the delay.
    createMember(spec: NewMember, now: Date, delayMs: number): MemberRecord {
        const member = this.insertMember(spec, now, null);
        this.change(member, 'CREATE', now, delayMs);
        return member;
    }

    // A member someone else created earlier: ACTIVE, and its pool not busy.
    addMemberOutOfBand(spec: NewMember, now: Date): MemberRecord {
        return this.insertMember(spec, now, now);
    }

    updateMember(member: MemberRecord, fields: Partial<MemberFields>, now: Date, delayMs: number): void {
        Object.assign(member, fields);
        this.change(member, 'UPDATE', now, delayMs);
    }

    deleteMember(member: MemberRecord, now: Date, delayMs: number): void {
        this.change(member, 'DELETE', now, delayMs);
    }

    setLoadBalancerStatus(id: string, status: ProvisioningStatus | null): boolean {
        const lb = this.loadBalancers.get(id);
        if (lb) {
            lb.fixed = status;
        }

        return lb !== undefined;
    }

    setPoolStatus(id: string, status: ProvisioningStatus | null): boolean {
        const pool = this.pools.get(id);
        if (pool) {
            pool.fixed = status;
        }

        return pool !== undefined;
    }

    private insertMember(spec: NewMember, now: Date, updatedAt: Date | null): MemberRecord {
        const pool = this.known(this.pools, spec.poolId);
        const { id = uuid(), ...fields } = spec;
        unique(this.members, id, 'member');
        const member: MemberRecord = { ...fields, id, createdAt: now, updatedAt, change: null };
        this.members.set(id, member);
        pool.memberIds.push(id);
        return member;
    }

    // The member PENDING_<kind>; its pool, load balancer and the pool's
    // listeners PENDING_UPDATE, all until Octavia's worker is done.
    private change(member: MemberRecord, kind: MemberChangeKind, now: Date, delayMs: number): void {
        const busy: Busy = { from: now, until: new Date(now.getTime() + delayMs) };
        if (member.change) {
            member.updatedAt = member.change.until;
        }

        member.change = { kind, ...busy };
        const pool = this.known(this.pools, member.poolId);
        pool.busy = busy;
        this.known(this.loadBalancers, pool.loadBalancerId).busy = busy;
        pool.listenerIds.forEach((id) => {
            this.known(this.listeners, id).busy = busy;
        });
    }

    // An object the callers have looked up already (SimAdmin checks what it is given), or that a record names.
    private known<T>(map: ReadonlyMap<string, T>, id: string): T {
        return map.get(id) as T;
    }
}

const unique = <T>(map: ReadonlyMap<string, T>, id: string, what: string): void => {
    if (map.has(id)) {
        throw new SimInputError(`${what} ${id} exists`);
    }
};

// null once a delete is done: the member is gone (404).
export const memberStatus = (member: MemberRecord, now: Date): ProvisioningStatus | null => {
    const { change } = member;
    if (change && pending(change, now)) {
        return `PENDING_${change.kind}`;
    }

    return change?.kind === 'DELETE' ? null : 'ACTIVE';
};

// Octavia's updated_at: unset until the worker first finishes with the member, then when a change was accepted or done.
export const memberUpdatedAt = (member: MemberRecord, now: Date): Date | null => {
    const { change } = member;
    if (!change) {
        return member.updatedAt;
    }

    if (pending(change, now)) {
        return change.kind === 'CREATE' ? member.updatedAt : change.from;
    }

    return change.until;
};

export const poolStatus = (pool: PoolRecord, now: Date): ProvisioningStatus => pool.fixed ?? (pending(pool.busy, now) ? 'PENDING_UPDATE' : 'ACTIVE');

export const loadBalancerStatus = (lb: LoadBalancerRecord, now: Date): ProvisioningStatus => lb.fixed ?? (pending(lb.busy, now) ? 'PENDING_UPDATE' : 'ACTIVE');

export const listenerStatus = (listener: ListenerRecord, now: Date): ProvisioningStatus => pending(listener.busy, now) ? 'PENDING_UPDATE' : 'ACTIVE';

// updated_at of a load balancer, listener or pool: when its last change was accepted, or done.
export const busyUpdatedAt = (busy: Busy | null, now: Date): Date | null => busy && (pending(busy, now) ? busy.from : busy.until);

// A member not gone (as a pool's members are listed).
export const memberView = (member: MemberRecord, now: Date): SimMember => {
    return {
        id: member.id,
        poolId: member.poolId,
        projectId: member.projectId,
        name: member.name,
        address: member.address,
        protocolPort: member.protocolPort,
        subnetId: member.subnetId,
        weight: member.weight,
        adminStateUp: member.adminStateUp,
        provisioningStatus: memberStatus(member, now) as ProvisioningStatus,
        // No health monitor in the simulator: Octavia says NO_MONITOR.
        operatingStatus: 'NO_MONITOR',
        created: member.createdAt,
        updated: memberUpdatedAt(member, now)
    };
};

export const poolView = (pool: PoolRecord, members: readonly MemberRecord[], now: Date): SimPool => ({
    id: pool.id,
    projectId: pool.projectId,
    loadBalancerId: pool.loadBalancerId,
    listenerIds: [...pool.listenerIds],
    name: pool.name,
    protocol: pool.protocol,
    lbAlgorithm: pool.lbAlgorithm,
    provisioningStatus: poolStatus(pool, now),
    memberIds: members.map((m) => m.id),
    created: pool.createdAt
});

export const loadBalancerView = (lb: LoadBalancerRecord, now: Date): SimLoadBalancer => ({
    id: lb.id,
    projectId: lb.projectId,
    name: lb.name,
    vipSubnetId: lb.vip.subnetId,
    vipNetworkId: lb.vip.networkId,
    vipAddress: lb.vip.address,
    provisioningStatus: loadBalancerStatus(lb, now),
    listenerIds: [...lb.listenerIds],
    poolIds: [...lb.poolIds],
    created: lb.createdAt
});
