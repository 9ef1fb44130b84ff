// Load balancers, listeners, pools and members as Octavia v2 renders them.
import {
    busyUpdatedAt, listenerStatus, loadBalancerStatus, memberStatus, memberUpdatedAt, poolStatus, type ListenerRecord, type LoadBalancerRecord,
    type MemberRecord, type PoolRecord
} from '../model/load-balancers';
import type { ProvisioningStatus } from '../model/types';

// Octavia: whole seconds, no zone, e.g. 2026-11-25T12:00:00
export const octaviaTime = (d: Date | null): string | null => d && d.toISOString().replace(/\.\d{3}Z$/, '');

const ids = (list: readonly string[]): { id: string }[] => list.map((id) => ({ id }));

export const memberBody = (member: MemberRecord, status: ProvisioningStatus, updated: Date | null): Record<string, unknown> => ({
    id: member.id,
    name: member.name,
    // No health monitor in the simulator: Octavia says NO_MONITOR.
    operating_status: 'NO_MONITOR',
    provisioning_status: status,
    admin_state_up: member.adminStateUp,
    address: member.address,
    protocol_port: member.protocolPort,
    weight: member.weight,
    backup: member.backup,
    subnet_id: member.subnetId,
    project_id: member.projectId,
    created_at: octaviaTime(member.createdAt),
    updated_at: octaviaTime(updated),
    monitor_address: member.monitorAddress,
    monitor_port: member.monitorPort,
    tags: member.tags,
    vnic_type: 'normal'
});

// A member as of now (the caller has checked it is not gone).
export const memberNow = (member: MemberRecord, now: Date): Record<string, unknown> => {
    return memberBody(member, memberStatus(member, now) as ProvisioningStatus, memberUpdatedAt(member, now));
};

// The answer to a change: as Octavia reads the member back right after
// accepting it, PENDING_* however short the delay.
export const memberAccepted = (member: MemberRecord): Record<string, unknown> => {
    const change = member.change as NonNullable<MemberRecord['change']>; // just made
    return memberBody(member, `PENDING_${change.kind}`, change.kind === 'CREATE' ? null : change.from);
};

export const poolBody = (pool: PoolRecord, memberIds: readonly string[], now: Date): Record<string, unknown> => ({
    id: pool.id,
    name: pool.name,
    description: '',
    provisioning_status: poolStatus(pool, now),
    operating_status: 'ONLINE',
    admin_state_up: true,
    protocol: pool.protocol,
    lb_algorithm: pool.lbAlgorithm,
    session_persistence: null,
    project_id: pool.projectId,
    loadbalancers: ids([pool.loadBalancerId]),
    listeners: ids(pool.listenerIds),
    created_at: octaviaTime(pool.createdAt),
    updated_at: octaviaTime(busyUpdatedAt(pool.busy, now)),
    healthmonitor_id: null,
    members: ids(memberIds),
    tags: [],
    tls_container_ref: null,
    ca_tls_container_ref: null,
    crl_container_ref: null,
    tls_enabled: false,
    tls_ciphers: null,
    tls_versions: null,
    alpn_protocols: null
});

export const loadBalancerBody = (lb: LoadBalancerRecord, now: Date): Record<string, unknown> => ({
    id: lb.id,
    name: lb.name,
    description: lb.description,
    provisioning_status: loadBalancerStatus(lb, now),
    operating_status: 'ONLINE',
    admin_state_up: true,
    project_id: lb.projectId,
    created_at: octaviaTime(lb.createdAt),
    updated_at: octaviaTime(busyUpdatedAt(lb.busy, now)),
    vip_address: lb.vip.address,
    vip_port_id: lb.vip.portId,
    vip_subnet_id: lb.vip.subnetId,
    vip_network_id: lb.vip.networkId,
    vip_sg_ids: [],
    additional_vips: [],
    listeners: ids(lb.listenerIds),
    pools: ids(lb.poolIds),
    provider: 'amphora',
    flavor_id: null,
    vip_qos_policy_id: null,
    tags: [],
    availability_zone: null,
    vip_vnic_type: 'normal'
});

export const listenerBody = (listener: ListenerRecord, now: Date): Record<string, unknown> => ({
    id: listener.id,
    name: listener.name,
    description: '',
    provisioning_status: listenerStatus(listener, now),
    operating_status: 'ONLINE',
    admin_state_up: true,
    protocol: listener.protocol,
    protocol_port: listener.protocolPort,
    connection_limit: -1,
    default_tls_container_ref: null,
    sni_container_refs: [],
    project_id: listener.projectId,
    default_pool_id: listener.defaultPoolId,
    l7policies: [],
    insert_headers: {},
    created_at: octaviaTime(listener.createdAt),
    updated_at: octaviaTime(busyUpdatedAt(listener.busy, now)),
    loadbalancers: ids([listener.loadBalancerId]),
    timeout_client_data: 50000,
    timeout_member_connect: 5000,
    timeout_member_data: 50000,
    timeout_tcp_inspect: 0,
    tags: [],
    client_ca_tls_container_ref: null,
    client_authentication: 'NONE',
    client_crl_container_ref: null,
    allowed_cidrs: null,
    tls_ciphers: null,
    tls_versions: null,
    alpn_protocols: null,
    hsts_max_age: null,
    hsts_include_subdomains: false,
    hsts_preload: false
});
