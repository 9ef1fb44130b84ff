// The validation matrix: for every bound of every body (Otter v1.0, contract
// §4), a value just inside (accepted) and just outside (400 naming the field,
// nothing written); the 422 limits; queries; bodies that are not JSON; and
// 404 for every id that is not the tenant's.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
import type { ServerInjectResponse } from '@hapi/hapi';
import { TenantId } from '../core/model/ids';
import type { LaunchConfig } from '../core/model/group';
import { tenantFootprint, tenantSnapshot } from './support/database';
import { bytes64, everyServerKey, imageId, netId } from './support/launch';
import { tableValidator } from './support/identity';
import { errorOf, expectRefused } from './support/refusal';
import { caller, field, freshTenant, testServer, validGroup, webhookPolicy, type Caller, type TestServerOptions } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

type Json = unknown;

// ---------------------------------------------------------------------------
// Bodies with changes at dotted paths.

const DROP = Symbol('drop');
type Changes = Record<string, unknown>;

const setAt = (target: Record<string, unknown> | unknown[], path: string[], value: unknown): void => {
    const [head, ...rest] = path;
    if (head === undefined) {
        return;
    }

    const container = target as Record<string, unknown>;
    if (rest.length === 0) {
        if (value === DROP) {
            delete container[head];
        }
        else {
            container[head] = value;
        }

        return;
    }

    const next = container[head];
    if (next === null || typeof next !== 'object') {
        container[head] = /^\d+$/.test(rest[0] ?? '') ? [] : {};
    }

    setAt(container[head] as Record<string, unknown>, rest, value);
};

const withChanges = (base: Json, changes: Changes): Json => {
    const copy = structuredClone(base) as Record<string, unknown>;
    for (const [path, value] of Object.entries(changes)) {
        setAt(copy, path.split('.'), value);
    }

    return copy;
};

// A field that must be a list, for length assertions.
const listAt = (value: unknown, ...path: (string | number)[]): unknown[] => {
    const found = field(value, ...path);
    expect(Array.isArray(found), `${path.join('.')} is a list`).to.be.true();
    return found as unknown[];
};

const joinPath = (...parts: string[]): string => parts.filter((p) => p !== '').join('.');

// ---------------------------------------------------------------------------
// The cases, per kind of body. `refused` is the field's path inside the body
// ('' for the body itself); no `refused`: the body must be accepted.

interface Case {
    title: string;
    changes: Changes;
    refused?: string;
}

const future = '2099-06-01T12:00:00Z';
const past = '2001-01-01T00:00:00Z';

const nameCases = (): Case[] => [
    { title: 'name of 1 char', changes: { name: 'a' } },
    { title: 'name of 256 chars', changes: { name: 'n'.repeat(256) } },
    { title: 'name with unicode', changes: { name: 'wëb 🚀' } },
    { title: 'empty name', changes: { name: '' }, refused: 'name' },
    { title: 'blank name', changes: { name: '   ' }, refused: 'name' },
    { title: 'name of 257 chars', changes: { name: 'n'.repeat(257) }, refused: 'name' },
    { title: 'name not a string', changes: { name: 5 }, refused: 'name' },
    { title: 'name missing', changes: { name: DROP }, refused: 'name' },
    { title: 'name with NUL', changes: { name: 'a\u0000b' }, refused: 'name' }
];

const cooldownCases = (): Case[] => [
    { title: 'cooldown 0', changes: { cooldown: 0 } },
    { title: 'cooldown 86400', changes: { cooldown: 86400 } },
    { title: 'cooldown -1', changes: { cooldown: -1 }, refused: 'cooldown' },
    { title: 'cooldown 86401', changes: { cooldown: 86401 }, refused: 'cooldown' },
    { title: 'cooldown 1.5', changes: { cooldown: 1.5 }, refused: 'cooldown' },
    { title: 'cooldown missing', changes: { cooldown: DROP }, refused: 'cooldown' },
    { title: 'cooldown null', changes: { cooldown: null }, refused: 'cooldown' }
];

const metadataCases = (): Case[] => [
    { title: 'metadata of strings', changes: { metadata: { team: 'web', empty: '', 'kéy 🔑': 'v'.repeat(256) } } },
    { title: 'empty metadata', changes: { metadata: {} } },
    { title: 'metadata with a number value', changes: { metadata: { team: 5 } }, refused: 'metadata.team' },
    { title: 'metadata with a nested object', changes: { metadata: { team: { name: 'web' } } }, refused: 'metadata.team' },
    { title: 'metadata with a null value', changes: { metadata: { team: null } }, refused: 'metadata.team' },
    { title: 'metadata value of 257 chars', changes: { metadata: { team: 'v'.repeat(257) } }, refused: 'metadata.team' },
    { title: 'metadata as an array', changes: { metadata: ['a'] }, refused: 'metadata' },
    { title: 'metadata as a string', changes: { metadata: 'team=web' }, refused: 'metadata' }
];

const configCases = (): Case[] => [
    ...nameCases(),
    ...cooldownCases(),
    ...metadataCases(),
    { title: 'minEntities 0', changes: { minEntities: 0 } },
    { title: 'minEntities 1000, maxEntities 1000', changes: { minEntities: 1000, maxEntities: 1000 } },
    { title: 'minEntities 1000, maxEntities null', changes: { minEntities: 1000, maxEntities: null } },
    { title: 'minEntities 4 = maxEntities 4', changes: { minEntities: 4, maxEntities: 4 } },
    { title: 'maxEntities 0 (min 0)', changes: { minEntities: 0, maxEntities: 0 } },
    { title: 'maxEntities omitted', changes: { maxEntities: DROP } },
    { title: 'minEntities -1', changes: { minEntities: -1 }, refused: 'minEntities' },
    { title: 'minEntities 1001', changes: { minEntities: 1001, maxEntities: null }, refused: 'minEntities' },
    { title: 'minEntities 1.5', changes: { minEntities: 1.5 }, refused: 'minEntities' },
    { title: 'minEntities missing', changes: { minEntities: DROP }, refused: 'minEntities' },
    { title: 'maxEntities -1', changes: { minEntities: 0, maxEntities: -1 }, refused: 'maxEntities' },
    { title: 'maxEntities 1001', changes: { maxEntities: 1001 }, refused: 'maxEntities' },
    { title: 'minEntities 5 > maxEntities 4', changes: { minEntities: 5, maxEntities: 4 }, refused: 'minEntities' },
    { title: 'an unknown field', changes: { desiredCapacity: 3 }, refused: 'desiredCapacity' }
];

// Octavia's ids are UUIDs: pools by the hundred, a load balancer, a subnet.
const poolId = (i: number): string => `00000000-0000-4000-8000-${String(100 + i).padStart(12, '0')}`;
const lbId = 'a0000000-0000-4000-8000-000000000001';
const subnetId = 'b0000000-0000-4000-8000-000000000001';
const loadBalancers = (n: number): { poolId: string; port: number }[] =>
    Array.from({ length: n }, (_, i) => ({ poolId: poolId(i), port: 80 }));

// args.server (contract §3): every key it takes, at its bounds, and what it
// refuses by name, the keys that would let a tenant use the service
// account's power first.
const items = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]));
const file = (contents = bytes64(10)): { path: string; contents: string } => ({ path: '/etc/motd', contents });
// An image-backed volume, with `changes`; a key changed to undefined is left out.
const disk = (changes: Record<string, unknown> = {}): Record<string, unknown> => Object.fromEntries(Object.entries(
    { source_type: 'image', uuid: imageId, destination_type: 'volume', volume_size: 10, boot_index: 0, delete_on_termination: true, ...changes }
).filter(([, value]) => value !== undefined));

const forbiddenServerKeys: [string, unknown][] = [
    ['host', 'compute-7'], ['hypervisor_hostname', 'compute-7.example'], ['min_count', 5], ['max_count', 5], ['return_reservation_id', true],
    ['scheduler_hints', { group: netId }], ['os:scheduler_hints', { same_host: [netId] }], ['adminPass', 'hunter2'], ['accessIPv4', '10.0.0.1'],
    ['accessIPv6', '::1'], ['block_device_mapping', [{ volume_id: netId, device_name: 'vda' }]], ['tags', ['a']], ['hostname', 'web'],
    ['trusted_image_certificates', ['x']], ['OS-DCF:diskConfig', 'AUTO'], ['server', {}], ['__proto__x', 1]
];

const serverKeyCases = (): Case[] => [
    { title: 'server with every key it takes', changes: { 'args.server': everyServerKey('1', imageId) } },
    { title: 'networks auto', changes: { 'args.server.networks': 'auto' } },
    { title: 'networks with an IPv6 fixed_ip', changes: { 'args.server.networks': [{ uuid: netId, fixed_ip: 'fd00::5' }] } },
    { title: 'an empty server name', changes: { 'args.server.name': '' } },
    { title: 'user_data of 65,535 bytes', changes: { 'args.server.user_data': bytes64(65_535) } },
    { title: 'user_data empty', changes: { 'args.server.user_data': '' } },
    { title: '5 personality files of 10,240 bytes', changes: { 'args.server.personality': Array.from({ length: 5 }, () => file(bytes64(10_240))) } },
    { title: 'server metadata of 126 items', changes: { 'args.server.metadata': items(126) } },
    { title: 'server metadata at 255 characters', changes: { 'args.server.metadata': { ['k'.repeat(255)]: 'v'.repeat(255), empty: '' } } },
    { title: 'a blank volume', changes: { 'args.server.block_device_mapping_v2': [{ source_type: 'blank', destination_type: 'volume', volume_size: '20', delete_on_termination: true }] } },
    { title: 'a boot_index as digits', changes: { 'args.server.block_device_mapping_v2': [disk({ boot_index: '0' })] } },
    { title: 'config_drive false', changes: { 'args.server.config_drive': false } },
    { title: 'description null', changes: { 'args.server.description': null } },
    ...forbiddenServerKeys.map(([key, value]): Case => ({ title: `server key ${key}`, changes: { [`args.server.${key}`]: value }, refused: `args.server.${key}` })),
    { title: 'a server name with a newline', changes: { 'args.server.name': 'web\nx' }, refused: 'args.server.name' },
    { title: 'a server name with DEL', changes: { 'args.server.name': 'web\u007f' }, refused: 'args.server.name' },
    { title: 'a server name with a C1 control', changes: { 'args.server.name': 'web\u0085' }, refused: 'args.server.name' },
    { title: 'a server name of 201 chars', changes: { 'args.server.name': 'n'.repeat(201) }, refused: 'args.server.name' },
    { title: 'networks all', changes: { 'args.server.networks': 'all' }, refused: 'args.server.networks' },
    { title: 'networks an object', changes: { 'args.server.networks': { uuid: netId } }, refused: 'args.server.networks' },
    { title: 'a network by port', changes: { 'args.server.networks': [{ port: netId }] }, refused: 'args.server.networks.0.port' },
    { title: 'a network with a port', changes: { 'args.server.networks': [{ uuid: netId }, { uuid: netId, port: netId }] }, refused: 'args.server.networks.1.port' },
    { title: 'a network without uuid', changes: { 'args.server.networks': [{ fixed_ip: '10.0.0.5' }] }, refused: 'args.server.networks.0.uuid' },
    { title: 'a network uuid that is none', changes: { 'args.server.networks': [{ uuid: 'private' }] }, refused: 'args.server.networks.0.uuid' },
    { title: 'a network with a bad fixed_ip', changes: { 'args.server.networks': [{ uuid: netId, fixed_ip: '10.0.0.256' }] }, refused: 'args.server.networks.0.fixed_ip' },
    { title: 'a network with a CIDR fixed_ip', changes: { 'args.server.networks': [{ uuid: netId, fixed_ip: '10.0.0.0/24' }] }, refused: 'args.server.networks.0.fixed_ip' },
    { title: 'a network with a tag', changes: { 'args.server.networks': [{ uuid: netId, tag: 'x' }] }, refused: 'args.server.networks.0.tag' },
    { title: 'key_name empty', changes: { 'args.server.key_name': '' }, refused: 'args.server.key_name' },
    { title: 'key_name a number', changes: { 'args.server.key_name': 5 }, refused: 'args.server.key_name' },
    { title: 'user_data not base64', changes: { 'args.server.user_data': '#!/bin/sh\necho hi' }, refused: 'args.server.user_data' },
    { title: 'user_data unpadded', changes: { 'args.server.user_data': 'aGVsbG8' }, refused: 'args.server.user_data' },
    { title: 'user_data of 65,536 bytes', changes: { 'args.server.user_data': bytes64(65_536) }, refused: 'args.server.user_data' },
    { title: '6 personality files', changes: { 'args.server.personality': Array.from({ length: 6 }, () => file()) }, refused: 'args.server.personality' },
    { title: 'a personality file of 10,241 bytes', changes: { 'args.server.personality': [file(), file(bytes64(10_241))] }, refused: 'args.server.personality.1.contents' },
    { title: 'a personality file not base64', changes: { 'args.server.personality': [file('not base64!')] }, refused: 'args.server.personality.0.contents' },
    { title: 'a personality file without a path', changes: { 'args.server.personality': [{ contents: bytes64(1) }] }, refused: 'args.server.personality.0.path' },
    { title: 'a personality file with a mode', changes: { 'args.server.personality': [{ ...file(), mode: '0777' }] }, refused: 'args.server.personality.0.mode' },
    { title: 'server metadata of 127 items', changes: { 'args.server.metadata': items(127) }, refused: 'args.server.metadata' },
    { title: 'server metadata naming a group', changes: { 'args.server.metadata': { 'autoscale:group_id': 'theirs' } }, refused: 'args.server.metadata.autoscale:group_id' },
    { title: 'server metadata naming an intent', changes: { 'args.server.metadata': { team: 'web', 'autoscale:intent_id': 'x' } }, refused: 'args.server.metadata.autoscale:intent_id' },
    { title: 'server metadata value of 256 chars', changes: { 'args.server.metadata': { team: 'v'.repeat(256) } }, refused: 'args.server.metadata.team' },
    { title: 'server metadata with a number value', changes: { 'args.server.metadata': { team: 5 } }, refused: 'args.server.metadata.team' },
    { title: 'a security group by id', changes: { 'args.server.security_groups': [{ id: netId }] }, refused: 'args.server.security_groups.0.name' },
    { title: 'a security group with an id', changes: { 'args.server.security_groups': [{ name: 'default', id: netId }] }, refused: 'args.server.security_groups.0.id' },
    { title: 'a security group without a name', changes: { 'args.server.security_groups': [{ name: '' }] }, refused: 'args.server.security_groups.0.name' },
    { title: 'security_groups a string', changes: { 'args.server.security_groups': 'default' }, refused: 'args.server.security_groups' },
    { title: 'availability_zone zone:host', changes: { 'args.server.availability_zone': 'nova:compute-7' }, refused: 'args.server.availability_zone' },
    { title: 'availability_zone zone::node', changes: { 'args.server.availability_zone': 'nova::node-1' }, refused: 'args.server.availability_zone' },
    { title: 'availability_zone :host', changes: { 'args.server.availability_zone': ':compute-7' }, refused: 'args.server.availability_zone' },
    { title: 'availability_zone empty', changes: { 'args.server.availability_zone': '' }, refused: 'args.server.availability_zone' },
    { title: 'a volume as a disk', changes: { 'args.server.block_device_mapping_v2': [disk({ source_type: 'volume', uuid: netId })] }, refused: 'args.server.block_device_mapping_v2.0.source_type' },
    { title: 'a snapshot as a disk', changes: { 'args.server.block_device_mapping_v2': [disk({ source_type: 'snapshot', uuid: netId })] }, refused: 'args.server.block_device_mapping_v2.0.source_type' },
    { title: 'a disk by volume_id', changes: { 'args.server.block_device_mapping_v2': [disk(), disk({ volume_id: netId })] }, refused: 'args.server.block_device_mapping_v2.1.volume_id' },
    { title: 'a disk by snapshot_id', changes: { 'args.server.block_device_mapping_v2': [disk({ snapshot_id: netId })] }, refused: 'args.server.block_device_mapping_v2.0.snapshot_id' },
    { title: 'a disk by image_id', changes: { 'args.server.block_device_mapping_v2': [disk({ image_id: netId })] }, refused: 'args.server.block_device_mapping_v2.0.image_id' },
    { title: 'a disk with connection_info', changes: { 'args.server.block_device_mapping_v2': [disk({ connection_info: '{}' })] }, refused: 'args.server.block_device_mapping_v2.0.connection_info' },
    { title: 'a disk kept after its server', changes: { 'args.server.block_device_mapping_v2': [disk({ delete_on_termination: false })] }, refused: 'args.server.block_device_mapping_v2.0.delete_on_termination' },
    { title: 'a disk without delete_on_termination', changes: { 'args.server.block_device_mapping_v2': [disk({ delete_on_termination: undefined })] }, refused: 'args.server.block_device_mapping_v2.0.delete_on_termination' },
    { title: 'a disk without source_type', changes: { 'args.server.block_device_mapping_v2': [disk({ source_type: undefined })] }, refused: 'args.server.block_device_mapping_v2.0.source_type' },
    { title: 'an image disk without uuid', changes: { 'args.server.block_device_mapping_v2': [disk({ uuid: undefined })] }, refused: 'args.server.block_device_mapping_v2.0.uuid' },
    { title: 'a blank disk with a uuid', changes: { 'args.server.block_device_mapping_v2': [disk({ source_type: 'blank' })] }, refused: 'args.server.block_device_mapping_v2.0.uuid' },
    { title: 'a disk to a remote destination', changes: { 'args.server.block_device_mapping_v2': [disk({ destination_type: 'remote' })] }, refused: 'args.server.block_device_mapping_v2.0.destination_type' },
    { title: 'a disk of size 0', changes: { 'args.server.block_device_mapping_v2': [disk({ volume_size: 0 })] }, refused: 'args.server.block_device_mapping_v2.0.volume_size' },
    { title: 'a disk of size "ten"', changes: { 'args.server.block_device_mapping_v2': [disk({ volume_size: 'ten' })] }, refused: 'args.server.block_device_mapping_v2.0.volume_size' },
    { title: 'config_drive "true"', changes: { 'args.server.config_drive': 'true' }, refused: 'args.server.config_drive' },
    { title: 'description of 256 chars', changes: { 'args.server.description': 'd'.repeat(256) }, refused: 'args.server.description' }
];

const launchCases = (): Case[] => [
    { title: 'server with anything Nova takes', changes: { 'args.server.networks': [{ uuid: '00000000-0000-0000-0000-000000000000' }], 'args.server.key_name': 'k' } },
    { title: '5 load balancers', changes: { 'args.loadBalancers': loadBalancers(5) } },
    { title: 'no load balancers', changes: { 'args.loadBalancers': [] } },
    { title: 'port 1', changes: { 'args.loadBalancers': [{ poolId: poolId(0), port: 1 }] } },
    { title: 'port 65535 of a load balancer', changes: { 'args.loadBalancers': [{ loadBalancerId: lbId, port: 65535 }] } },
    { title: 'a pool with its subnet and weights 1 and 256', changes: { 'args.loadBalancers': [{ poolId: poolId(0), port: 80, subnetId, weight: 1 }, { poolId: poolId(1), port: 80, weight: 256 }] } },
    { title: 'the same pool on two ports', changes: { 'args.loadBalancers': [{ poolId: poolId(0), port: 80 }, { poolId: poolId(0), port: 443 }] } },
    { title: 'drainingTimeoutS 0', changes: { 'args.drainingTimeoutS': 0 } },
    { title: 'drainingTimeoutS 3600', changes: { 'args.drainingTimeoutS': 3600, 'args.loadBalancers': loadBalancers(1) } },
    { title: 'type launch_stack', changes: { type: 'launch_stack' }, refused: 'type' },
    { title: 'type missing', changes: { type: DROP }, refused: 'type' },
    { title: 'args missing', changes: { args: DROP }, refused: 'args' },
    { title: 'args.server missing', changes: { 'args.server': DROP }, refused: 'args.server' },
    { title: 'args.server not an object', changes: { 'args.server': 'web' }, refused: 'args.server' },
    { title: 'flavorRef missing', changes: { 'args.server.flavorRef': DROP }, refused: 'args.server.flavorRef' },
    { title: 'flavorRef empty', changes: { 'args.server.flavorRef': '' }, refused: 'args.server.flavorRef' },
    { title: '6 load balancers', changes: { 'args.loadBalancers': loadBalancers(6) }, refused: 'args.loadBalancers' },
    { title: 'port 0', changes: { 'args.loadBalancers': [{ poolId: poolId(0), port: 0 }] }, refused: 'args.loadBalancers.0.port' },
    { title: 'port 65536', changes: { 'args.loadBalancers': [{ loadBalancerId: lbId, port: 65536 }] }, refused: 'args.loadBalancers.0.port' },
    { title: 'port missing', changes: { 'args.loadBalancers': [{ poolId: poolId(0) }] }, refused: 'args.loadBalancers.0.port' },
    { title: 'port "80"', changes: { 'args.loadBalancers': [{ poolId: poolId(0), port: '80' }] }, refused: 'args.loadBalancers.0.port' },
    { title: 'neither pool nor load balancer', changes: { 'args.loadBalancers': [{ port: 80 }] }, refused: 'args.loadBalancers.0.poolId' },
    { title: 'a pool id that is no UUID', changes: { 'args.loadBalancers': [{ poolId: 'web-pool', port: 80 }] }, refused: 'args.loadBalancers.0.poolId' },
    { title: 'a numeric load balancer id', changes: { 'args.loadBalancers': [{ loadBalancerId: 5, port: 80 }] }, refused: 'args.loadBalancers.0.loadBalancerId' },
    { title: 'a pool and a load balancer in one', changes: { 'args.loadBalancers': [{ loadBalancerId: lbId, poolId: poolId(0), port: 80 }] }, refused: 'args.loadBalancers.0.poolId' },
    { title: 'a subnet for a load balancer', changes: { 'args.loadBalancers': [{ loadBalancerId: lbId, port: 80, subnetId }] }, refused: 'args.loadBalancers.0.subnetId' },
    { title: 'a subnet id that is no UUID', changes: { 'args.loadBalancers': [{ poolId: poolId(0), port: 80, subnetId: 'public' }] }, refused: 'args.loadBalancers.0.subnetId' },
    { title: 'weight 0', changes: { 'args.loadBalancers': [{ poolId: poolId(0), port: 80, weight: 0 }] }, refused: 'args.loadBalancers.0.weight' },
    { title: 'weight 257', changes: { 'args.loadBalancers': [{ poolId: poolId(0), port: 80, weight: 257 }] }, refused: 'args.loadBalancers.0.weight' },
    { title: 'the same pool and port twice', changes: { 'args.loadBalancers': [{ poolId: poolId(0), port: 80 }, { poolId: poolId(0), port: 80, weight: 2 }] }, refused: 'args.loadBalancers.1' },
    { title: 'an unknown key of a pool', changes: { 'args.loadBalancers': [{ poolId: poolId(0), port: 80, protocol: 'HTTP' }] }, refused: 'args.loadBalancers.0.protocol' },
    { title: 'drainingTimeoutS -1', changes: { 'args.drainingTimeoutS': -1 }, refused: 'args.drainingTimeoutS' },
    { title: 'drainingTimeoutS 3601', changes: { 'args.drainingTimeoutS': 3601 }, refused: 'args.drainingTimeoutS' },
    { title: 'drainingTimeoutS 1.5', changes: { 'args.drainingTimeoutS': 1.5 }, refused: 'args.drainingTimeoutS' },
    { title: 'drainingTimeoutS "10"', changes: { 'args.drainingTimeoutS': '10' }, refused: 'args.drainingTimeoutS' },
    { title: 'user_data with NUL', changes: { 'args.server.user_data': 'a\u0000b' }, refused: 'args.server.user_data' },
    { title: 'an unknown field', changes: { region: 'ORD' }, refused: 'region' },
    ...serverKeyCases()
];

const policyCases = (): Case[] => [
    ...nameCases(),
    ...cooldownCases(),
    { title: 'change -1', changes: { change: -1 } },
    { title: 'change 1000', changes: { change: 1000 } },
    { title: 'change -1000', changes: { change: -1000 } },
    { title: 'change 0', changes: { change: 0 }, refused: 'change' },
    { title: 'change 1001', changes: { change: 1001 }, refused: 'change' },
    { title: 'change -1001', changes: { change: -1001 }, refused: 'change' },
    { title: 'change 1.5', changes: { change: 1.5 }, refused: 'change' },
    { title: 'changePercent -100', changes: { change: DROP, changePercent: -100 } },
    { title: 'changePercent 10000', changes: { change: DROP, changePercent: 10000 } },
    { title: 'changePercent 12.5', changes: { change: DROP, changePercent: 12.5 } },
    { title: 'changePercent 0', changes: { change: DROP, changePercent: 0 }, refused: 'changePercent' },
    { title: 'changePercent -101', changes: { change: DROP, changePercent: -101 }, refused: 'changePercent' },
    { title: 'changePercent 10001', changes: { change: DROP, changePercent: 10001 }, refused: 'changePercent' },
    { title: 'desiredCapacity 0', changes: { change: DROP, desiredCapacity: 0 } },
    { title: 'desiredCapacity 1000', changes: { change: DROP, desiredCapacity: 1000 } },
    { title: 'desiredCapacity -1', changes: { change: DROP, desiredCapacity: -1 }, refused: 'desiredCapacity' },
    { title: 'desiredCapacity 1001', changes: { change: DROP, desiredCapacity: 1001 }, refused: 'desiredCapacity' },
    { title: 'no adjustment', changes: { change: DROP }, refused: '' },
    { title: 'change and desiredCapacity', changes: { desiredCapacity: 2 }, refused: '' },
    { title: 'change and changePercent', changes: { changePercent: 2 }, refused: '' },
    { title: 'type missing', changes: { type: DROP }, refused: 'type' },
    { title: 'type cloud_monitoring', changes: { type: 'cloud_monitoring' }, refused: 'type' },
    { title: 'schedule at a future time', changes: { type: 'schedule', args: { at: future } } },
    { title: 'schedule at a future time with milliseconds', changes: { type: 'schedule', args: { at: '2099-06-01T12:00:00.123Z' } } },
    { title: 'schedule at a leap day', changes: { type: 'schedule', args: { at: '2096-02-29T00:00:00Z' } } },
    { title: 'schedule by cron', changes: { type: 'schedule', args: { cron: '0 2 * * 1-5' } } },
    { title: 'schedule by cron in a time zone', changes: { type: 'schedule', args: { cron: '0 2 * * 1-5', timezone: 'Europe/Paris' } } },
    { title: 'schedule by cron in a zone that is none', changes: { type: 'schedule', args: { cron: '0 2 * * 1-5', timezone: 'Mars/Olympus_Mons' } }, refused: 'args.timezone' },
    { title: 'schedule at with a time zone', changes: { type: 'schedule', args: { at: '2099-06-01T12:00:00Z', timezone: 'UTC' } }, refused: 'args.timezone' },
    { title: 'schedule at a past time', changes: { type: 'schedule', args: { at: past } }, refused: 'args.at' },
    { title: 'schedule at with an offset', changes: { type: 'schedule', args: { at: '2099-06-01T12:00:00+02:00' } }, refused: 'args.at' },
    { title: 'schedule at without a zone', changes: { type: 'schedule', args: { at: '2099-06-01T12:00:00' } }, refused: 'args.at' },
    { title: 'schedule at garbage', changes: { type: 'schedule', args: { at: 'next tuesday' } }, refused: 'args.at' },
    { title: 'schedule at an impossible date', changes: { type: 'schedule', args: { at: '2099-13-45T25:61:00Z' } }, refused: 'args.at' },
    { title: 'schedule at a day the month does not have', changes: { type: 'schedule', args: { at: '2099-02-31T00:00:00Z' } }, refused: 'args.at' },
    { title: 'schedule at February 29 of a common year', changes: { type: 'schedule', args: { at: '2099-02-29T00:00:00Z' } }, refused: 'args.at' },
    { title: 'schedule at a number', changes: { type: 'schedule', args: { at: 4102444800 } }, refused: 'args.at' },
    { title: 'cron of 6 fields', changes: { type: 'schedule', args: { cron: '0 0 2 * * *' } }, refused: 'args.cron' },
    { title: 'cron of 4 fields', changes: { type: 'schedule', args: { cron: '0 2 * *' } }, refused: 'args.cron' },
    { title: 'cron with a bad field', changes: { type: 'schedule', args: { cron: '61 * * * *' } }, refused: 'args.cron' },
    { title: 'cron garbage', changes: { type: 'schedule', args: { cron: 'every day' } }, refused: 'args.cron' },
    { title: 'schedule with both at and cron', changes: { type: 'schedule', args: { at: future, cron: '0 2 * * *' } }, refused: 'args' },
    { title: 'schedule with empty args', changes: { type: 'schedule', args: {} }, refused: 'args' },
    { title: 'schedule without args', changes: { type: 'schedule' }, refused: 'args' },
    { title: 'args on a webhook policy', changes: { args: { cron: '0 2 * * *' } }, refused: 'args' },
    { title: 'an unknown field', changes: { webhooks: [] }, refused: 'webhooks' }
];

const webhookCases = (): Case[] => [
    ...nameCases(),
    ...metadataCases(),
    { title: 'metadata omitted', changes: { metadata: DROP } },
    { title: 'an unknown field', changes: { capability: 'x' }, refused: 'capability' }
];

// ---------------------------------------------------------------------------
// Where a body is sent. `wrap` puts the resource in the request body; `at` is
// the resource's path inside it; `readBack` (PUT) reads what was stored.

interface Ids {
    group: string;
    policy: string;
    webhook: string;
}

interface Target {
    title: string;
    method: 'POST' | 'PUT';
    url: (tenant: string, ids: Ids) => string;
    wrap: (resource: Json) => Json;
    at: string;
    created?: 'groups' | 'policies' | 'webhooks';
    readBack?: (api: Caller, tenant: string, ids: Ids) => Promise<unknown>;
}

const groupsUrl = (tenant: string): string => `/${tenant}/groups`;
const groupUrl = (tenant: string, ids: Ids): string => `/${tenant}/groups/${ids.group}`;
const policyUrl = (tenant: string, ids: Ids): string => `${groupUrl(tenant, ids)}/policies/${ids.policy}`;
const webhookUrl = (tenant: string, ids: Ids): string => `${policyUrl(tenant, ids)}/webhooks/${ids.webhook}`;

const read = async (api: Caller, url: string, ...path: string[]): Promise<unknown> => {
    const res = await api('GET', url);
    expect(res.statusCode, res.payload).to.equal(200);
    return field(res.result, ...path);
};

const baseConfig = (): Record<string, unknown> => ({ ...validGroup().groupConfiguration });
const baseLaunch = (): Record<string, unknown> => structuredClone(validGroup().launchConfiguration);
const basePolicy = (): Record<string, unknown> => ({ ...webhookPolicy() });
const baseWebhook = (): Record<string, unknown> => ({ name: 'pager', metadata: { team: 'ops' } });

const kinds: { title: string; base: () => Record<string, unknown>; cases: () => Case[]; targets: Target[] }[] = [
    {
        title: 'groupConfiguration',
        base: baseConfig,
        cases: configCases,
        targets: [
            {
                title: 'group create', method: 'POST', url: groupsUrl, at: 'groupConfiguration', created: 'groups',
                wrap: (config) => ({ groupConfiguration: config, launchConfiguration: baseLaunch() })
            },
            {
                title: 'PUT config', method: 'PUT', url: (tenant, ids) => `${groupUrl(tenant, ids)}/config`, at: '', wrap: (config) => config,
                readBack: (api, tenant, ids) => read(api, `${groupUrl(tenant, ids)}/config`, 'groupConfiguration')
            }
        ]
    },
    {
        title: 'launchConfiguration',
        base: baseLaunch,
        cases: launchCases,
        targets: [
            {
                title: 'group create', method: 'POST', url: groupsUrl, at: 'launchConfiguration', created: 'groups',
                wrap: (launch) => ({ groupConfiguration: baseConfig(), launchConfiguration: launch })
            },
            {
                title: 'PUT launch', method: 'PUT', url: (tenant, ids) => `${groupUrl(tenant, ids)}/launch`, at: '', wrap: (launch) => launch,
                readBack: (api, tenant, ids) => read(api, `${groupUrl(tenant, ids)}/launch`, 'launchConfiguration')
            }
        ]
    },
    {
        title: 'policy',
        base: basePolicy,
        cases: policyCases,
        targets: [
            {
                title: 'group create (scalingPolicies)', method: 'POST', url: groupsUrl, at: 'scalingPolicies.0', created: 'policies',
                wrap: (policy) => ({ ...validGroup(), scalingPolicies: [policy] })
            },
            {
                title: 'policy create (batch)', method: 'POST', url: (tenant, ids) => `${groupUrl(tenant, ids)}/policies`, at: '0', created: 'policies',
                wrap: (policy) => [policy]
            },
            {
                title: 'PUT policy', method: 'PUT', url: policyUrl, at: '', wrap: (policy) => policy,
                readBack: (api, tenant, ids) => read(api, policyUrl(tenant, ids), 'policy')
            }
        ]
    },
    {
        title: 'webhook',
        base: baseWebhook,
        cases: webhookCases,
        targets: [
            {
                title: 'webhook create (batch)', method: 'POST', url: (tenant, ids) => `${policyUrl(tenant, ids)}/webhooks`, at: '0', created: 'webhooks',
                wrap: (hook) => [hook]
            },
            {
                title: 'PUT webhook', method: 'PUT', url: webhookUrl, at: '', wrap: (hook) => hook,
                readBack: (api, tenant, ids) => read(api, webhookUrl(tenant, ids), 'webhook')
            }
        ]
    }
];

// What a GET shows after a PUT: every field sent, as sent, and the defaults.
const expectStored = (sent: Record<string, unknown>, stored: unknown, title: string): void => {
    for (const [key, value] of Object.entries(sent)) {
        expect(field(stored, key), `${title}: ${key}`).to.equal(value);
    }

    if ('minEntities' in sent && !('maxEntities' in sent)) {
        expect(field(stored, 'maxEntities'), `${title}: maxEntities defaults to null`).to.be.null();
    }

    if ('name' in sent && !('metadata' in sent) && !('cooldown' in sent)) {
        expect(field(stored, 'metadata'), `${title}: metadata defaults to {}`).to.equal({});
    }
};

// A server whose tokens are `tok-{tenant}`, one per tenant given.
const serverFor = (tenants: string[], options: Omit<TestServerOptions, 'validator'> = {}): Promise<Hapi.Server> =>
    testServer({ ...options, validator: tableValidator(Object.fromEntries(tenants.map((t) => [`tok-${t}`, { projectId: t, user: `user-${t}` }]))) });

const apiOf = (server: Hapi.Server, tenant: string): Caller => caller(server, `tok-${tenant}`);

const created = async (res: Promise<ServerInjectResponse<unknown>>, ...path: (string | number)[]): Promise<string> => {
    const done = await res;
    expect(done.statusCode, done.payload).to.equal(201);
    return String(field(done.result, ...path));
};

// A group with one webhook policy and one webhook on it.
const makeIds = async (api: Caller, tenant: string): Promise<Ids> => {
    const res = await api('POST', groupsUrl(tenant), { ...validGroup(), scalingPolicies: [webhookPolicy()] });
    expect(res.statusCode, res.payload).to.equal(201);
    const group = String(field(res.result, 'group', 'id'));
    const policy = String(field(res.result, 'group', 'scalingPolicies', 0, 'id'));
    const webhook = await created(api('POST', `/${tenant}/groups/${group}/policies/${policy}/webhooks`, [{ name: 'first' }]), 'webhooks', 0, 'id');
    return { group, policy, webhook };
};

for (const kind of kinds) {
    for (const target of kind.targets) {
        describe(`validation matrix: ${kind.title} on ${target.title}`, () => {
            const tenant = freshTenant();
            let server: Hapi.Server;
            let api: Caller;
            let ids: Ids;

            before(async () => {
                server = await serverFor([tenant]);
                api = apiOf(server, tenant);
                ids = await makeIds(api, tenant);
            });

            after(() => server.stop());

            for (const c of kind.cases()) {
                const resource = withChanges(kind.base(), c.changes) as Record<string, unknown>;
                if (c.refused === undefined) {
                    it(`accepts ${c.title}`, async () => {
                        const before = await tenantFootprint(tenant);
                        const res = await api(target.method, target.url(tenant, ids), target.wrap(resource));
                        expect(res.statusCode, res.payload).to.equal(target.method === 'POST' ? 201 : 204);
                        if (target.created) {
                            expect((await tenantFootprint(tenant))[target.created], `a row in ${target.created}`).to.equal((before[target.created] ?? 0) + 1);
                        }

                        if (target.readBack) {
                            expectStored(resource, await target.readBack(api, tenant, ids), c.title);
                        }
                    });
                }
                else {
                    const refused = c.refused;
                    it(`refuses ${c.title}, naming ${joinPath(target.at, refused) || '(the body)'}`, async () => {
                        await expectRefused(tenant, () => api(target.method, target.url(tenant, ids), target.wrap(resource)),
                            { status: 400, type: 'ValidationError', field: joinPath(target.at, refused) });
                    });
                }
            }
        });
    }
}

describe('validation matrix: defaults and whole bodies', () => {
    const tenant = freshTenant();
    let server: Hapi.Server;
    let api: Caller;
    let ids: Ids;

    before(async () => {
        server = await serverFor([tenant]);
        api = apiOf(server, tenant);
        ids = await makeIds(api, tenant);
    });

    after(() => server.stop());

    it('stores maxEntities null and metadata {} when omitted on create', async () => {
        const body = { groupConfiguration: { name: 'bare', cooldown: 0, minEntities: 0 }, launchConfiguration: baseLaunch() };
        const res = await api('POST', groupsUrl(tenant), body);
        expect(res.statusCode, res.payload).to.equal(201);
        expect(field(res.result, 'group', 'groupConfiguration')).to.equal({ name: 'bare', cooldown: 0, minEntities: 0, maxEntities: null, metadata: {} });
        expect(field(res.result, 'group', 'scalingPolicies')).to.equal([]);
        const id = String(field(res.result, 'group', 'id'));
        expect(await read(api, `${groupsUrl(tenant)}/${id}/config`, 'groupConfiguration'))
            .to.equal({ name: 'bare', cooldown: 0, minEntities: 0, maxEntities: null, metadata: {} });
    });

    it('refuses a body that is not an object or array where one is expected', async () => {
        const cases: [string, string, Json, string][] = [
            ['POST', groupsUrl(tenant), [validGroup()], ''],
            ['PUT', `${groupUrl(tenant, ids)}/config`, [baseConfig()], ''],
            ['PUT', `${groupUrl(tenant, ids)}/launch`, ['launch_server'], ''],
            ['POST', `${groupUrl(tenant, ids)}/policies`, basePolicy(), ''],
            ['POST', `${groupUrl(tenant, ids)}/policies`, [], ''],
            ['PUT', policyUrl(tenant, ids), [basePolicy()], ''],
            ['POST', `${policyUrl(tenant, ids)}/webhooks`, { name: 'one' }, ''],
            ['POST', `${policyUrl(tenant, ids)}/webhooks`, [], ''],
            ['PUT', webhookUrl(tenant, ids), [{ name: 'one' }], '']
        ];
        for (const [method, url, body, refused] of cases) {
            await expectRefused(tenant, () => api(method, url, body), { status: 400, type: 'ValidationError', field: refused });
        }
    });

    it('refuses scalingPolicies that is not an array, naming it', async () => {
        await expectRefused(tenant, () => api('POST', groupsUrl(tenant), { ...validGroup(), scalingPolicies: webhookPolicy() }),
            { status: 400, type: 'ValidationError', field: 'scalingPolicies' });
    });

    it('names the second policy of a batch when it is the bad one, and writes none of the batch', async () => {
        await expectRefused(tenant, () => api('POST', `${groupUrl(tenant, ids)}/policies`, [basePolicy(), { ...basePolicy(), cooldown: -1 }]),
            { status: 400, type: 'ValidationError', field: '1.cooldown' });
        await expectRefused(tenant, () => api('POST', `${groupUrl(tenant, ids)}/policies`, [basePolicy(), { ...basePolicy(), type: 'schedule', args: { at: past } }]),
            { status: 400, type: 'ValidationError', field: '1.args.at' });
        await expectRefused(tenant, () => api('POST', `${policyUrl(tenant, ids)}/webhooks`, [{ name: 'a' }, { name: '' }]),
            { status: 400, type: 'ValidationError', field: '1.name' });
    });

    it('refuses an unknown top-level field on group create, naming it', async () => {
        for (const key of ['bogus', 'state', 'id', '__proto__x', 'constructor']) {
            await expectRefused(tenant, () => api('POST', groupsUrl(tenant), { ...validGroup(), [key]: 1 }), { status: 400, type: 'ValidationError', field: key });
        }
    });

    it('refuses a body that is not JSON with InvalidJsonError', async () => {
        const bad = ['{', '{"groupConfiguration": }', '{"a": 1,}', "{'a': 1}", '{"a": NaN}', '{"__proto__": {"polluted": true}}'];
        for (const payload of bad) {
            const error = await expectRefused(tenant, () => server.inject({
                method: 'POST', url: `/autoscale/v1.0${groupsUrl(tenant)}`, payload, headers: { 'x-auth-token': `tok-${tenant}`, 'content-type': 'application/json' }
            }), { status: 400, type: 'InvalidJsonError' });
            expect(error.message).to.not.include('undefined');
        }

        expect(({} as Record<string, unknown>).polluted).to.be.undefined();
    });

    it('answers a wrong content-type with a 4xx in the contract shape, never 500', async () => {
        const kinds: [string, string][] = [
            ['text/plain', JSON.stringify(validGroup())],
            ['application/xml', '<group/>'],
            ['application/x-www-form-urlencoded', 'groupConfiguration=1'],
            ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n'],
            ['application/octet-stream', 'abc'],
            ['image/png', 'abc'],
            ['application/json; charset=latin1', JSON.stringify(validGroup())]
        ];
        for (const [type, payload] of kinds) {
            const before = await tenantSnapshot(tenant);
            const res = await server.inject({
                method: 'POST', url: `/autoscale/v1.0${groupsUrl(tenant)}`, payload, headers: { 'x-auth-token': `tok-${tenant}`, 'content-type': type }
            });
            if (res.statusCode === 201) {
                // A JSON body under a JSON type with a charset is a JSON body.
                expect(type, res.payload).to.startWith('application/json');
                continue;
            }

            expect(res.statusCode, `${type}: ${res.payload}`).to.be.within(400, 499);
            errorOf(res);
            expect(await tenantSnapshot(tenant), `${type} wrote something`).to.equal(before);
        }
    });
});

describe('validation matrix: limits (422)', () => {
    const tenant = freshTenant();
    let server: Hapi.Server;
    let api: Caller;

    before(async () => {
        server = await serverFor([tenant]);
        api = apiOf(server, tenant);
    });

    after(() => server.stop());

    const newGroup = (): Promise<string> => created(api('POST', groupsUrl(tenant), validGroup()), 'group', 'id');
    const policies = (n: number, prefix = 'p'): Record<string, unknown>[] => Array.from({ length: n }, (_, i) => webhookPolicy(`${prefix}${i}`, 1));
    const webhooks = (n: number, prefix = 'w'): { name: string }[] => Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}` }));

    it('takes 100 policies on a fresh group in one batch, then refuses the 101st', async () => {
        const group = await newGroup();
        const ok = await api('POST', `/${tenant}/groups/${group}/policies`, policies(100));
        expect(ok.statusCode, ok.payload).to.equal(201);
        expect(listAt(ok.result, 'policies')).to.have.length(100);
        const error = await expectRefused(tenant, () => api('POST', `/${tenant}/groups/${group}/policies`, policies(1, 'extra')),
            { status: 422, type: 'PoliciesOverLimitError' });
        expect(error.details.limit).to.equal(100);
    });

    it('refuses a batch of 101 policies on a fresh group, writing none', async () => {
        const group = await newGroup();
        await expectRefused(tenant, () => api('POST', `/${tenant}/groups/${group}/policies`, policies(101)), { status: 422, type: 'PoliciesOverLimitError' });
        expect(await read(api, `/${tenant}/groups/${group}/policies`, 'policies')).to.equal([]);
    });

    it('counts what a group already has: 60 then a batch of 41 is refused, 40 accepted', async () => {
        const group = await newGroup();
        expect((await api('POST', `/${tenant}/groups/${group}/policies`, policies(60))).statusCode).to.equal(201);
        await expectRefused(tenant, () => api('POST', `/${tenant}/groups/${group}/policies`, policies(41, 'b')), { status: 422, type: 'PoliciesOverLimitError' });
        expect((await api('POST', `/${tenant}/groups/${group}/policies`, policies(40, 'b'))).statusCode).to.equal(201);
    });

    it('refuses a group create with 101 scalingPolicies, and takes one with 100', async () => {
        await expectRefused(tenant, () => api('POST', groupsUrl(tenant), { ...validGroup(), scalingPolicies: policies(101) }),
            { status: 422, type: 'PoliciesOverLimitError' });
        const ok = await api('POST', groupsUrl(tenant), { ...validGroup(), scalingPolicies: policies(100) });
        expect(ok.statusCode, ok.payload).to.equal(201);
        expect(listAt(ok.result, 'group', 'scalingPolicies')).to.have.length(100);
    });

    it('takes 25 webhooks on a policy, then refuses the 26th; a batch of 26 is refused whole', async () => {
        const group = await newGroup();
        const made = await api('POST', `/${tenant}/groups/${group}/policies`, policies(2));
        const [policy, other] = (field(made.result, 'policies') as { id: string }[]).map((p) => p.id);
        const ok = await api('POST', `/${tenant}/groups/${group}/policies/${policy}/webhooks`, webhooks(25));
        expect(ok.statusCode, ok.payload).to.equal(201);
        expect(listAt(ok.result, 'webhooks')).to.have.length(25);
        const error = await expectRefused(tenant, () => api('POST', `/${tenant}/groups/${group}/policies/${policy}/webhooks`, webhooks(1, 'x')),
            { status: 422, type: 'WebhooksOverLimitError' });
        expect(error.details.limit).to.equal(25);
        await expectRefused(tenant, () => api('POST', `/${tenant}/groups/${group}/policies/${other}/webhooks`, webhooks(26)),
            { status: 422, type: 'WebhooksOverLimitError' });
        expect(await read(api, `/${tenant}/groups/${group}/policies/${other}/webhooks`, 'webhooks')).to.equal([]);
    });
});

describe('validation matrix: 1000 groups per tenant at the default limit', () => {
    const tenant = freshTenant();
    let server: Hapi.Server;
    let api: Caller;

    before(async () => {
        server = await serverFor([tenant]);
        api = apiOf(server, tenant);
    });

    after(() => server.stop());

    it('takes the 1000th group through the API and refuses the 1001st', { timeout: 120_000 }, async () => {
        const store = server.plugins['nova-autoscale'].stores;
        expect(store).to.not.be.null();
        if (!store) {
            return;
        }

        const { groupConfiguration, launchConfiguration } = validGroup('bulk');
        const spec = { config: groupConfiguration, launch: launchConfiguration as LaunchConfig, policies: [] };
        const limits = server.plugins['nova-autoscale'].settings.limits;
        expect(limits.maxGroups).to.equal(1000);
        for (let i = 0; i < 999; i++) {
            await store.groups.createGroup(TenantId(tenant), spec, limits);
        }

        expect((await tenantFootprint(tenant)).groups).to.equal(999);
        const last = await api('POST', groupsUrl(tenant), validGroup('the-1000th'));
        expect(last.statusCode, last.payload).to.equal(201);
        const error = await expectRefused(tenant, () => api('POST', groupsUrl(tenant), validGroup('the-1001st')), { status: 422, type: 'GroupsOverLimitError' });
        expect(error.details.limit).to.equal(1000);
        expect((await tenantFootprint(tenant)).groups).to.equal(1000);

        // `limit` above 100 is clamped to 100, and the next link says so.
        for (const asked of ['101', '1000', '100']) {
            const page = await api('GET', `${groupsUrl(tenant)}?limit=${asked}`);
            expect(page.statusCode).to.equal(200);
            expect(listAt(page.result, 'groups')).to.have.length(100);
            expect(String(field(page.result, 'groups_links', 0, 'href'))).to.include('limit=100&marker=');
        }

        const first = await api('GET', groupsUrl(tenant));
        expect(listAt(first.result, 'groups'), 'no limit given: 100').to.have.length(100);
    });
});

describe('validation matrix: the plugin option `limits`', () => {
    const tenant = freshTenant();
    let server: Hapi.Server;
    let api: Caller;

    before(async () => {
        server = await serverFor([tenant], { limits: { maxGroups: 2, maxPoliciesPerGroup: 3, maxWebhooksPerPolicy: 1 } });
        api = apiOf(server, tenant);
    });

    after(() => server.stop());

    it('reports the limits it was given', async () => {
        expect(await read(api, `/${tenant}/limits`, 'limits', 'absolute')).to.equal({ maxGroups: 2, maxPoliciesPerGroup: 3, maxWebhooksPerPolicy: 1 });
    });

    it('honours maxGroups, maxPoliciesPerGroup and maxWebhooksPerPolicy', async () => {
        await expectRefused(tenant, () => api('POST', groupsUrl(tenant), { ...validGroup(), scalingPolicies: [1, 2, 3, 4].map((i) => webhookPolicy(`p${i}`)) }),
            { status: 422, type: 'PoliciesOverLimitError' });
        const group = await created(api('POST', groupsUrl(tenant), { ...validGroup(), scalingPolicies: [webhookPolicy('a'), webhookPolicy('b')] }), 'group', 'id');
        await created(api('POST', groupsUrl(tenant), validGroup()), 'group', 'id');
        await expectRefused(tenant, () => api('POST', groupsUrl(tenant), validGroup()), { status: 422, type: 'GroupsOverLimitError' });

        await expectRefused(tenant, () => api('POST', `/${tenant}/groups/${group}/policies`, [webhookPolicy('c'), webhookPolicy('d')]),
            { status: 422, type: 'PoliciesOverLimitError' });
        const policy = await created(api('POST', `/${tenant}/groups/${group}/policies`, [webhookPolicy('c')]), 'policies', 0, 'id');
        await expectRefused(tenant, () => api('POST', `/${tenant}/groups/${group}/policies`, [webhookPolicy('d')]), { status: 422, type: 'PoliciesOverLimitError' });

        await created(api('POST', `/${tenant}/groups/${group}/policies/${policy}/webhooks`, [{ name: 'one' }]), 'webhooks', 0, 'id');
        await expectRefused(tenant, () => api('POST', `/${tenant}/groups/${group}/policies/${policy}/webhooks`, [{ name: 'two' }]),
            { status: 422, type: 'WebhooksOverLimitError' });

        // A deleted group frees its place.
        expect((await api('DELETE', `/${tenant}/groups/${group}?force=true`)).statusCode).to.equal(204);
        await created(api('POST', groupsUrl(tenant), validGroup()), 'group', 'id');
    });
});

describe('validation matrix: queries', () => {
    const tenant = freshTenant();
    let server: Hapi.Server;
    let api: Caller;
    let ids: Ids;

    before(async () => {
        server = await serverFor([tenant], { limits: { maxPoliciesPerGroup: 150 } });
        api = apiOf(server, tenant);
        ids = await makeIds(api, tenant);
    });

    after(() => server.stop());

    const lists = (): string[] => [groupsUrl(tenant), `${groupUrl(tenant, ids)}/policies`, `${policyUrl(tenant, ids)}/webhooks`];

    it('refuses limit 0, negative, non-numeric, fractional or repeated, naming limit', async () => {
        for (const url of lists()) {
            for (const limit of ['0', '-1', 'abc', '1.5', '', '1e400']) {
                await expectRefused(tenant, () => api('GET', `${url}?limit=${limit}`), { status: 400, type: 'ValidationError', field: 'limit' });
            }

            await expectRefused(tenant, () => api('GET', `${url}?limit=1&limit=2`), { status: 400, type: 'ValidationError', field: 'limit' });
        }
    });

    it('refuses an unknown query parameter and a marker it cannot hold, naming them', async () => {
        for (const url of lists()) {
            await expectRefused(tenant, () => api('GET', `${url}?limt=5`), { status: 400, type: 'ValidationError', field: 'limt' });
            await expectRefused(tenant, () => api('GET', `${url}?marker=${'m'.repeat(257)}`), { status: 400, type: 'ValidationError', field: 'marker' });
            await expectRefused(tenant, () => api('GET', `${url}?marker=a%00b`), { status: 400, type: 'ValidationError', field: 'marker' });
        }

        await expectRefused(tenant, () => api('GET', `${groupUrl(tenant, ids)}?webhooks=maybe`), { status: 400, type: 'ValidationError', field: 'webhooks' });
        await expectRefused(tenant, () => api('DELETE', `${groupUrl(tenant, ids)}?force=yes`), { status: 400, type: 'ValidationError', field: 'force' });
    });

    it('clamps limit=101 to a page of 100 with a next link at limit=100', async () => {
        const made = await api('POST', `${groupUrl(tenant, ids)}/policies`, Array.from({ length: 101 }, (_, i) => webhookPolicy(`p${i}`)));
        expect(made.statusCode, made.payload).to.equal(201);
        const page = await api('GET', `${groupUrl(tenant, ids)}/policies?limit=101`);
        expect(page.statusCode).to.equal(200);
        const items = field(page.result, 'policies') as { id: string }[];
        expect(items).to.have.length(100);
        const next = String(field(page.result, 'policies_links', 0, 'href'));
        expect(next).to.endWith(`/policies?limit=100&marker=${items[99]?.id}`);
        const rest = await api('GET', `${groupUrl(tenant, ids)}/policies?limit=101&marker=${items[99]?.id}`);
        expect(listAt(rest.result, 'policies')).to.have.length(2); // 1 + 101 policies in all
        expect(field(rest.result, 'policies_links')).to.equal([]);
    });

    it('treats an unknown or foreign marker as a position, not an error', async () => {
        const res = await api('GET', `${groupUrl(tenant, ids)}/policies?marker=zzzz`);
        expect(res.statusCode).to.equal(200);
        expect(field(res.result, 'policies')).to.equal([]);
    });
});

describe('validation matrix: unknown and foreign ids are 404', () => {
    const tenant = freshTenant();
    const other = freshTenant();
    let server: Hapi.Server;
    let api: Caller;
    let otherApi: Caller;
    let ids: Ids;
    let foreign: Ids;

    before(async () => {
        server = await serverFor([tenant, other]);
        api = apiOf(server, tenant);
        otherApi = apiOf(server, other);
        ids = await makeIds(api, tenant);
        foreign = await makeIds(otherApi, other);
    });

    after(() => server.stop());

    const bogus = (): string[] => [
        '00000000-0000-4000-8000-000000000000', 'not-a-uuid', '1', 'x'.repeat(256), 'x'.repeat(257), 'y'.repeat(5000),
        '%F0%9F%98%80', 'gr%C3%BCppe', 'ab%00cd', '%00', '%20', '%0A', 'a%2Fb', '...', "'%20OR%201=1--", '%25', 'null', 'undefined', '__proto__', 'constructor'
    ];

    // Every route with the ids in its path, with a body it would accept.
    const routes = (t: string, g: string, p: string, w: string): [string, string, Json?][] => [
        ['GET', `/${t}/groups/${g}`],
        ['DELETE', `/${t}/groups/${g}?force=true`],
        ['GET', `/${t}/groups/${g}/config`],
        ['PUT', `/${t}/groups/${g}/config`, baseConfig()],
        ['GET', `/${t}/groups/${g}/launch`],
        ['PUT', `/${t}/groups/${g}/launch`, baseLaunch()],
        ['GET', `/${t}/groups/${g}/state`],
        ['POST', `/${t}/groups/${g}/pause`],
        ['POST', `/${t}/groups/${g}/resume`],
        ['GET', `/${t}/groups/${g}/policies`],
        ['POST', `/${t}/groups/${g}/policies`, [basePolicy()]],
        ['GET', `/${t}/groups/${g}/policies/${p}`],
        ['PUT', `/${t}/groups/${g}/policies/${p}`, basePolicy()],
        ['DELETE', `/${t}/groups/${g}/policies/${p}`],
        ['GET', `/${t}/groups/${g}/policies/${p}/webhooks`],
        ['POST', `/${t}/groups/${g}/policies/${p}/webhooks`, [baseWebhook()]],
        ['GET', `/${t}/groups/${g}/policies/${p}/webhooks/${w}`],
        ['PUT', `/${t}/groups/${g}/policies/${p}/webhooks/${w}`, baseWebhook()],
        ['DELETE', `/${t}/groups/${g}/policies/${p}/webhooks/${w}`]
    ];

    const level = (url: string): 'group' | 'policy' | 'webhook' => (url.includes('/webhooks/') ? 'webhook' : /\/policies\/[^/?]/.test(url) ? 'policy' : 'group');

    it('answers an unknown group id with NoSuchScalingGroupError on every route', async () => {
        for (const id of bogus()) {
            for (const [method, url, body] of routes(tenant, id, ids.policy, ids.webhook)) {
                await expectRefused(tenant, () => api(method, url, body), { status: 404, type: 'NoSuchScalingGroupError' });
            }
        }
    });

    it('answers an unknown policy id with NoSuchPolicyError, and an unknown webhook id with NoSuchWebhookError', async () => {
        for (const id of bogus()) {
            for (const [method, url, body] of routes(tenant, ids.group, id, ids.webhook).filter(([, u]) => level(u) !== 'group')) {
                await expectRefused(tenant, () => api(method, url, body), { status: 404, type: 'NoSuchPolicyError' });
            }

            for (const [method, url, body] of routes(tenant, ids.group, ids.policy, id).filter(([, u]) => level(u) === 'webhook')) {
                await expectRefused(tenant, () => api(method, url, body), { status: 404, type: 'NoSuchWebhookError' });
            }
        }
    });

    it('answers a policy id of another group of the tenant, and a webhook id of another policy, with 404', async () => {
        const second = await makeIds(api, tenant);
        for (const [method, url, body] of routes(tenant, ids.group, second.policy, second.webhook).filter(([, u]) => level(u) !== 'group')) {
            await expectRefused(tenant, () => api(method, url, body), { status: 404, type: 'NoSuchPolicyError' });
        }

        for (const [method, url, body] of routes(tenant, ids.group, ids.policy, second.webhook).filter(([, u]) => level(u) === 'webhook')) {
            await expectRefused(tenant, () => api(method, url, body), { status: 404, type: 'NoSuchWebhookError' });
        }
    });

    it('answers another tenant\'s group, policies and webhooks with 404 under one\'s own tenant, writing nothing of theirs', async () => {
        const theirs = await tenantSnapshot(other);
        for (const [method, url, body] of routes(tenant, foreign.group, foreign.policy, foreign.webhook)) {
            await expectRefused(tenant, () => api(method, url, body), { status: 404, type: 'NoSuchScalingGroupError' });
        }

        // Their group with one's own policy and webhook ids, and one's group with theirs.
        for (const [method, url, body] of routes(tenant, foreign.group, ids.policy, ids.webhook)) {
            await expectRefused(tenant, () => api(method, url, body), { status: 404, type: 'NoSuchScalingGroupError' });
        }

        for (const [method, url, body] of routes(tenant, ids.group, foreign.policy, foreign.webhook).filter(([, u]) => level(u) !== 'group')) {
            await expectRefused(tenant, () => api(method, url, body), { status: 404, type: 'NoSuchPolicyError' });
        }

        for (const [method, url, body] of routes(tenant, ids.group, ids.policy, foreign.webhook).filter(([, u]) => level(u) === 'webhook')) {
            await expectRefused(tenant, () => api(method, url, body), { status: 404, type: 'NoSuchWebhookError' });
        }

        expect(await tenantSnapshot(other)).to.equal(theirs);
        const listed = field((await api('GET', groupsUrl(tenant))).result, 'groups') as { id: string }[];
        expect(listed.map((g) => g.id)).to.not.include(foreign.group);
    });

    it('answers one\'s token on another tenant\'s path with 403, writing nothing of theirs', async () => {
        for (const [method, url, body] of [...routes(other, foreign.group, foreign.policy, foreign.webhook), ['POST', groupsUrl(other), validGroup()] as [string, string, Json]]) {
            await expectRefused(other, () => api(method, url, body), { status: 403, type: 'ForbiddenError' });
        }
    });

    it('answers DELETE of a webhook the policy does not have with NoSuchWebhookError', async () => {
        // Regression: knex-pglite resolves `delete()` to a result object, not a count,
        // so a store that trusts the count answers 204 here on PGlite.
        for (const id of ['00000000-0000-4000-8000-000000000000', foreign.webhook, 'x'.repeat(257), 'ab%00cd']) {
            await expectRefused(tenant, () => api('DELETE', `${policyUrl(tenant, ids)}/webhooks/${id}`), { status: 404, type: 'NoSuchWebhookError' });
        }
    });

    it('still has everything it was given after all that', async () => {
        expect((await api('GET', webhookUrl(tenant, ids))).statusCode).to.equal(200);
        expect((await otherApi('GET', webhookUrl(other, foreign))).statusCode).to.equal(200);
    });
});
