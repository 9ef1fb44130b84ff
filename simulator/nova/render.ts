// Servers, flavors and images as Nova's API renders them.
import { createHash } from 'node:crypto';
import { atLeast, type Version } from './microversion';
import { addressesBody } from './ports';
import type { Flavor, Image } from '../model/resources';
import { novaTime } from '../model/time';
import type { SimServer } from '../model/types';

export const links = (origin: string, collection: string, id: string): unknown[] => {
    return [
        { rel: 'self', href: `${origin}/compute/v2.1/${collection}/${id}` },
        { rel: 'bookmark', href: `${origin}/compute/${collection}/${id}` }
    ];
};

export const serverSummary = (origin: string, server: SimServer): unknown => ({ id: server.id, name: server.name, links: links(origin, 'servers', server.id) });

export const serverDetail = (origin: string, server: SimServer, flavor: Flavor | undefined, version: Version): unknown => {
    const active = server.status !== 'BUILD';
    const body: Record<string, unknown> = {
        id: server.id,
        name: server.name,
        status: server.status,
        tenant_id: server.projectId,
        user_id: server.userId,
        metadata: server.metadata,
        hostId: active ? createHash('sha224').update(`${server.projectId}:sim-compute-1`).digest('hex') : '',
        image: { id: server.imageId, links: [{ rel: 'bookmark', href: `${origin}/compute/images/${server.imageId}` }] },
        flavor: flavorOfServer(origin, server.flavorId, flavor, version),
        created: novaTime(server.created),
        updated: novaTime(server.updated),
        addresses: addressesBody(server.addresses),
        accessIPv4: '',
        accessIPv6: '',
        links: links(origin, 'servers', server.id),
        'OS-DCF:diskConfig': 'MANUAL',
        progress: 0,
        'OS-EXT-AZ:availability_zone': active ? 'nova' : '',
        config_drive: '',
        key_name: server.keyName,
        'OS-SRV-USG:launched_at': active ? server.updated.toISOString().replace('Z', '000') : null,
        'OS-SRV-USG:terminated_at': null,
        security_groups: [{ name: 'default' }],
        'OS-EXT-STS:task_state': server.taskState,
        'OS-EXT-STS:vm_state': server.vmState,
        'OS-EXT-STS:power_state': server.powerState,
        'os-extended-volumes:volumes_attached': []
    };

    if (server.status === 'ERROR') {
        body.fault = { code: 500, created: novaTime(server.updated), message: 'No valid host was found. ' };
    }

    if (atLeast(version, 9)) {
        body.locked = false;
    }

    if (atLeast(version, 19)) {
        body.description = null;
    }

    if (atLeast(version, 26)) {
        body.tags = [];
    }

    return body;
};

// Until 2.47 a server names its flavor; from 2.47 it embeds the flavor's sizes.
const flavorOfServer = (origin: string, id: string, flavor: Flavor | undefined, version: Version): unknown => {
    if (!atLeast(version, 47)) {
        return { id, links: [{ rel: 'bookmark', href: `${origin}/compute/flavors/${id}` }] };
    }

    return {
        vcpus: flavor?.vcpus ?? 0, ram: flavor?.ram ?? 0, disk: flavor?.disk ?? 0, ephemeral: 0, swap: 0,
        original_name: flavor?.name ?? id, extra_specs: {}
    };
};

export const flavorSummary = (origin: string, flavor: Flavor, version: Version): unknown => {
    const body: Record<string, unknown> = { id: flavor.id, name: flavor.name, links: links(origin, 'flavors', flavor.id) };
    if (atLeast(version, 55)) {
        body.description = null;
    }

    return body;
};

export const flavorDetail = (origin: string, flavor: Flavor, version: Version): unknown => {
    const body: Record<string, unknown> = {
        id: flavor.id,
        name: flavor.name,
        ram: flavor.ram,
        vcpus: flavor.vcpus,
        disk: flavor.disk,
        links: links(origin, 'flavors', flavor.id),
        'OS-FLV-EXT-DATA:ephemeral': 0,
        'OS-FLV-DISABLED:disabled': false,
        'os-flavor-access:is_public': flavor.isPublic,
        swap: atLeast(version, 75) ? 0 : '',
        rxtx_factor: 1.0
    };
    if (atLeast(version, 55)) {
        body.description = null;
    }

    if (atLeast(version, 61)) {
        body.extra_specs = {};
    }

    return body;
};

export const imageSummary = (origin: string, image: Image): unknown => ({ id: image.id, name: image.name, links: links(origin, 'images', image.id) });

export const imageDetail = (origin: string, image: Image): unknown => {
    return {
        id: image.id,
        name: image.name,
        status: 'ACTIVE',
        progress: 100,
        minDisk: 0,
        minRam: 0,
        created: novaTime(image.created),
        updated: novaTime(image.created),
        metadata: {},
        'OS-EXT-IMG-SIZE:size': 1073741824,
        links: links(origin, 'images', image.id)
    };
};
