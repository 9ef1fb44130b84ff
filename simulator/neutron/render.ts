// Networks and security groups as Neutron v2.0 renders them.
import { createHash } from 'node:crypto';
import { formatIpv4, parseCidr, size, type Cidr } from '../model/addresses';
import { novaTime } from '../model/time';
import { DEFAULT_GROUP } from '../model/security-groups';
import type { SimNetwork, SimSecurityGroup, SimSubnet } from '../model/types';

// A UUID that is the same on every read, for the rules Neutron would have stored.
const stableUuid = (seed: string): string => {
    const hex = createHash('md5').update(seed).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

const owner = (projectId: string): Record<string, string> => ({ project_id: projectId, tenant_id: projectId });

export const networkBody = (network: SimNetwork): Record<string, unknown> => {
    const at = novaTime(network.created);
    return {
        id: network.id,
        name: network.name,
        ...owner(network.projectId),
        shared: network.shared,
        status: 'ACTIVE',
        admin_state_up: true,
        subnets: [network.subnet.id],
        'router:external': false,
        mtu: 1450,
        port_security_enabled: true,
        availability_zone_hints: [],
        availability_zones: ['nova'],
        ipv4_address_scope: null,
        ipv6_address_scope: null,
        description: '',
        tags: [],
        created_at: at,
        updated_at: at,
        revision_number: 1
    };
};

// Everything but the gateway, the network and the broadcast address is Neutron's to hand out.
export const subnetBody = (subnet: SimSubnet, network: SimNetwork): Record<string, unknown> => {
    const at = novaTime(network.created);
    const cidr = parseCidr(subnet.cidr) as Cidr; // checked when the network was added
    return {
        id: subnet.id,
        name: subnet.name,
        network_id: network.id,
        ...owner(network.projectId),
        ip_version: 4,
        cidr: subnet.cidr,
        gateway_ip: subnet.gatewayIp,
        allocation_pools: [{ start: formatIpv4(cidr.base + 2), end: formatIpv4(cidr.base + size(cidr) - 2) }],
        enable_dhcp: true,
        dns_nameservers: [],
        host_routes: [],
        ipv6_address_mode: null,
        ipv6_ra_mode: null,
        subnetpool_id: null,
        service_types: [],
        description: '',
        tags: [],
        created_at: at,
        updated_at: at,
        revision_number: 0
    };
};

// Neutron gives every group egress to anywhere; the default group also lets its own members in.
const rules = (group: SimSecurityGroup): unknown[] => {
    const at = novaTime(group.created);
    const rule = (direction: 'ingress' | 'egress', ethertype: 'IPv4' | 'IPv6'): unknown => ({
        id: stableUuid(`${group.id}:${direction}:${ethertype}`),
        security_group_id: group.id,
        direction,
        ethertype,
        protocol: null,
        port_range_min: null,
        port_range_max: null,
        remote_ip_prefix: null,
        remote_group_id: direction === 'ingress' ? group.id : null,
        description: null,
        ...owner(group.projectId),
        created_at: at,
        updated_at: at,
        revision_number: 0
    });
    const egress = [rule('egress', 'IPv4'), rule('egress', 'IPv6')];
    return group.name === DEFAULT_GROUP ? [...egress, rule('ingress', 'IPv4'), rule('ingress', 'IPv6')] : egress;
};

export const securityGroupBody = (group: SimSecurityGroup): Record<string, unknown> => {
    const at = novaTime(group.created);
    return {
        id: group.id,
        name: group.name,
        description: group.description,
        ...owner(group.projectId),
        stateful: true,
        shared: false,
        security_group_rules: rules(group),
        tags: [],
        created_at: at,
        updated_at: at,
        revision_number: 1
    };
};
