// Reading /_sim JSON bodies into the in-process types, refusing anything else.
import { PROVISIONING_STATUSES, SERVER_STATUSES } from './admin';
import { isRecord } from '../http/messages';
import { SimInputError } from '../model/sim-error';
import type {
    FaultInfo, FaultRule, FlavorSpec, ImageSpec, ImageVisibility, ListenerSpec, LoadBalancerSpec, NetworkSpec, PoolMemberSpec, PoolSpec,
    ProvisioningStatus, RoleGrant, SecurityGroupSpec, ServerStatus, Service, SubnetSpec
} from '../model/types';

export type Body = Record<string, unknown>;

const SERVICES: readonly Service[] = ['identity', 'compute', 'image', 'network', 'load-balancer'];

export const optService = (body: Body, key: string): Service | undefined => {
    const service = optString(body, key);
    if (service !== undefined && !(SERVICES as readonly string[]).includes(service)) {
        throw new SimInputError(`${key} must be one of ${SERVICES.join(', ')}`);
    }

    return service as Service | undefined;
};

export const object = (value: unknown): Body => {
    if (!isRecord(value)) {
        throw new SimInputError('body must be a JSON object');
    }

    return value;
};

export const optString = (body: Body, key: string): string | undefined => {
    const value = body[key];
    if (value !== undefined && typeof value !== 'string') {
        throw new SimInputError(`${key} must be a string`);
    }

    return value;
};

export const string = (body: Body, key: string): string => {
    const value = optString(body, key);
    if (value === undefined) {
        throw new SimInputError(`${key} is required`);
    }

    return value;
};

export const optNumber = (body: Body, key: string): number | undefined => {
    const value = body[key];
    if (value !== undefined && typeof value !== 'number') {
        throw new SimInputError(`${key} must be a number`);
    }

    return value;
};

export const optBoolean = (body: Body, key: string): boolean | undefined => {
    const value = body[key];
    if (value !== undefined && typeof value !== 'boolean') {
        throw new SimInputError(`${key} must be a boolean`);
    }

    return value;
};

export const optStringList = (body: Body, key: string): string[] | undefined => {
    const value = body[key];
    if (value !== undefined && (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))) {
        throw new SimInputError(`${key} must be a list of strings`);
    }

    return value;
};

export const number = (body: Body, key: string): number => {
    const value = optNumber(body, key);
    if (value === undefined) {
        throw new SimInputError(`${key} is required`);
    }

    return value;
};

// Drops the keys left undefined, so an absent field stays absent in the spec.
const defined = <T extends object>(spec: Record<string, unknown>): T => Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as T;

export const flavorSpec = (value: unknown): FlavorSpec => {
    const b = object(value);
    return defined<FlavorSpec>({
        id: string(b, 'id'), name: string(b, 'name'), ram: number(b, 'ram'), vcpus: number(b, 'vcpus'), disk: number(b, 'disk'),
        isPublic: optBoolean(b, 'isPublic'), access: optStringList(b, 'access')
    });
};

// The visibility is checked when the image is added.
export const imageSpec = (value: unknown): ImageSpec => {
    const b = object(value);
    return defined<ImageSpec>({
        id: optString(b, 'id'), name: string(b, 'name'), owner: optString(b, 'owner'),
        visibility: optString(b, 'visibility') as ImageVisibility | undefined, members: optStringList(b, 'members')
    });
};

export const networkSpec = (value: unknown): NetworkSpec => {
    const b = object(value);
    const subnet = b.subnet === undefined ? undefined : object(b.subnet);
    return defined<NetworkSpec>({
        id: optString(b, 'id'), projectId: string(b, 'projectId'), name: string(b, 'name'), shared: optBoolean(b, 'shared'),
        subnet: subnet && defined<SubnetSpec>({ id: optString(subnet, 'id'), name: optString(subnet, 'name'), cidr: optString(subnet, 'cidr') })
    });
};

export const loadBalancerSpec = (value: unknown): LoadBalancerSpec => {
    const b = object(value);
    return defined<LoadBalancerSpec>({
        id: optString(b, 'id'), projectId: string(b, 'projectId'), name: optString(b, 'name'), description: optString(b, 'description'),
        vipSubnetId: string(b, 'vipSubnetId')
    });
};

export const listenerSpec = (value: unknown): ListenerSpec => {
    const b = object(value);
    return defined<ListenerSpec>({
        id: optString(b, 'id'), loadBalancerId: string(b, 'loadBalancerId'), name: optString(b, 'name'), protocol: optString(b, 'protocol'),
        protocolPort: number(b, 'protocolPort')
    });
};

export const poolSpec = (value: unknown): PoolSpec => {
    const b = object(value);
    return defined<PoolSpec>({
        id: optString(b, 'id'), loadBalancerId: string(b, 'loadBalancerId'), listenerId: optString(b, 'listenerId'), name: optString(b, 'name'),
        protocol: optString(b, 'protocol'), lbAlgorithm: optString(b, 'lbAlgorithm')
    });
};

// The pool comes from the path.
export const poolMemberSpec = (poolId: string, value: unknown): PoolMemberSpec => {
    const b = object(value);
    return defined<PoolMemberSpec>({
        id: optString(b, 'id'), poolId, address: string(b, 'address'), protocolPort: number(b, 'protocolPort'), name: optString(b, 'name'),
        subnetId: optString(b, 'subnetId'), weight: optNumber(b, 'weight'), adminStateUp: optBoolean(b, 'adminStateUp')
    });
};

// {status: 'PENDING_UPDATE'} holds a status; {status: null} lets it follow member changes again.
export const provisioningStatus = (value: unknown): ProvisioningStatus | null => {
    const status = object(value).status;
    if (status !== null && !(PROVISIONING_STATUSES as readonly unknown[]).includes(status)) {
        throw new SimInputError(`status must be null or one of ${PROVISIONING_STATUSES.join(', ')}`);
    }

    return status as ProvisioningStatus | null;
};

export const securityGroupSpec = (value: unknown): SecurityGroupSpec => {
    const b = object(value);
    return defined<SecurityGroupSpec>({ id: optString(b, 'id'), projectId: string(b, 'projectId'), name: string(b, 'name'), description: optString(b, 'description') });
};

export const optStringMap = (body: Body, key: string): Record<string, string> | undefined => {
    const value = body[key];
    if (value === undefined) {
        return undefined;
    }

    if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'string')) {
        throw new SimInputError(`${key} must be an object of strings`);
    }

    return value as Record<string, string>;
};

export const optStatus = (body: Body, key: string): ServerStatus | undefined => {
    const value = optString(body, key);
    if (value !== undefined && !(SERVER_STATUSES as readonly string[]).includes(value)) {
        throw new SimInputError(`${key} must be one of ${SERVER_STATUSES.join(', ')}`);
    }

    return value as ServerStatus | undefined;
};

export const roles = (body: Body): RoleGrant[] => {
    const value = body.roles ?? [];
    if (!Array.isArray(value)) {
        throw new SimInputError('roles must be a list');
    }

    return value.map((grant) => {
        const g = object(grant);
        return { projectId: string(g, 'projectId'), role: string(g, 'role') };
    });
};

// Over HTTP a fault's path is the source of a regular expression (pathFlags its flags).
export const faultRule = (value: unknown): FaultRule => {
    const body = object(value);
    const service = optService(body, 'service');
    const source = optString(body, 'path');
    let path: RegExp | undefined;
    try {
        path = source === undefined ? undefined : new RegExp(source, optString(body, 'pathFlags'));
    }
    catch (err) {
        throw new SimInputError(`path: ${(err as Error).message}`);
    }

    const rule: Record<string, unknown> = {
        service,
        method: optString(body, 'method'),
        path,
        times: optNumber(body, 'times'),
        status: optNumber(body, 'status'),
        body: body.body,
        headers: optStringMap(body, 'headers'),
        delayMs: optNumber(body, 'delayMs'),
        hang: optBoolean(body, 'hang'),
        passThrough: optBoolean(body, 'passThrough')
    };
    return Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined)) as FaultRule;
};

export const faultJson = (info: FaultInfo): unknown => {
    const { path, ...rest } = info.rule;
    return {
        id: info.id,
        remaining: info.remaining,
        rule: { ...rest, ...(path === undefined ? {} : typeof path === 'string' ? { path } : { path: path.source, ...(path.flags ? { pathFlags: path.flags } : {}) }) }
    };
};
