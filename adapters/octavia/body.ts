// Octavia's JSON, checked by hand: the workflow decides from these fields
// (in service on ACTIVE, whose project an object is), so a missing one fails
// the answer rather than being guessed.
import { isRecord } from '../../core/model/json';
import type { PoolMember } from '../../core/ports/load-balancers';

import { MalformedAnswer } from '../http/service-call';

export { MalformedAnswer };

// The parts of a pool or a load balancer we act on.
export interface Owned {
    readonly id: string;
    readonly projectId: string;
}

export interface LoadBalancerAnswer extends Owned {
    readonly poolIds: readonly string[];
}

export interface MemberPage {
    readonly members: readonly PoolMember[];
    readonly next: string | null;          // href of the rel=next link
}

const text = (raw: Record<string, unknown>, key: string, where: string): string => {
    const value = raw[key];
    if (typeof value !== 'string' || value === '') {
        throw new MalformedAnswer(`${where}: no ${key}`);
    }

    return value;
};

const integer = (raw: Record<string, unknown>, key: string, where: string): number => {
    const value = raw[key];
    if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new MalformedAnswer(`${where}: ${key} is not an integer`);
    }

    return value;
};

const wrapped = (json: unknown, key: string, where: string): Record<string, unknown> => {
    const inner = isRecord(json) ? json[key] : undefined;
    if (!isRecord(inner)) {
        throw new MalformedAnswer(`${where}: no ${key} object`);
    }

    return inner;
};

export const parseMember = (raw: unknown, where: string): PoolMember => {
    if (!isRecord(raw)) {
        throw new MalformedAnswer(`${where}: a member is not an object`);
    }

    const id = text(raw, 'id', where);
    const at = `${where} (member ${id})`;
    return {
        id,
        name: typeof raw.name === 'string' ? raw.name : '',
        address: text(raw, 'address', at),
        protocolPort: integer(raw, 'protocol_port', at),
        subnetId: typeof raw.subnet_id === 'string' ? raw.subnet_id : null,
        weight: integer(raw, 'weight', at),
        provisioningStatus: text(raw, 'provisioning_status', at),
        operatingStatus: typeof raw.operating_status === 'string' ? raw.operating_status : '',
        projectId: text(raw, 'project_id', at)
    };
};

export const parseMemberAnswer = (json: unknown, where: string): PoolMember => parseMember(wrapped(json, 'member', where), where);

export const parseMemberPage = (json: unknown, where: string): MemberPage => {
    if (!isRecord(json) || !Array.isArray(json.members)) {
        throw new MalformedAnswer(`${where}: no members list`);
    }

    return { members: json.members.map((raw) => parseMember(raw, where)), next: nextLink(json.members_links) };
};

export const parsePool = (json: unknown, where: string): Owned => {
    const pool = wrapped(json, 'pool', where);
    return { id: text(pool, 'id', where), projectId: text(pool, 'project_id', where) };
};

export const parseLoadBalancer = (json: unknown, where: string): LoadBalancerAnswer => {
    const lb = wrapped(json, 'loadbalancer', where);
    const pools = lb.pools;
    if (!Array.isArray(pools)) {
        throw new MalformedAnswer(`${where}: no pools list`);
    }

    return {
        id: text(lb, 'id', where),
        projectId: text(lb, 'project_id', where),
        poolIds: pools.map((pool) => text(isRecord(pool) ? pool : {}, 'id', `${where} (pools)`))
    };
};

// Neutron's subnet: only its CIDR is read.
export const parseSubnet = (json: unknown, where: string): { readonly cidr: string } => ({ cidr: text(wrapped(json, 'subnet', where), 'cidr', where) });

const nextLink = (links: unknown): string | null => {
    if (!Array.isArray(links)) {
        return null;
    }

    for (const link of links) {
        if (isRecord(link) && link.rel === 'next' && typeof link.href === 'string') {
            return link.href;
        }
    }

    return null;
};
