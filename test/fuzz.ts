// A seeded fuzz of every route of the plugin: valid bodies, mutated; real, foreign and
// garbage ids; random queries, content types and tokens. Whatever comes in:
// no 5xx, every 4xx in the contract's error shape, and nothing written by a
// refused request, nor by anyone to a tenant not their own.
// FUZZ_SEED and FUZZ_REQUESTS replay or widen a run.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
import type { ServerInjectResponse } from '@hapi/hapi';
import { tenantSnapshot, testKnex } from './support/database';
import { tableValidator } from './support/identity';
import { errorShapeProblem } from './support/refusal';
import { field, freshTenant, testServer, validGroup } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

// ---------------------------------------------------------------------------
// Randomness, from one seed.

const mulberry32 = (seed: number): (() => number) => {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
};

class Rng {
    private readonly next: () => number;
    constructor(seed: number) {
        this.next = mulberry32(seed);
    }

    float(): number {
        return this.next();
    }

    int(lo: number, hi: number): number {
        return lo + Math.floor(this.next() * (hi - lo + 1));
    }

    chance(p: number): boolean {
        return this.next() < p;
    }

    pick<T>(items: readonly T[]): T {
        const item = items[Math.floor(this.next() * items.length)];
        if (item === undefined) {
            throw new Error('pick from an empty list');
        }

        return item;
    }
}

const seed = Number(process.env.FUZZ_SEED ?? 0x5eed2025) >>> 0;
const requests = Math.max(2000, Number(process.env.FUZZ_REQUESTS ?? 2000));
const foreignShare = 0.1; // requests carrying tenant B's token (on top of `requests`)

// ---------------------------------------------------------------------------
// Valid bodies, with random values inside the bounds.

type Json = unknown;

const names = ['web', 'a', 'n'.repeat(256), 'wëb 🚀', 'scale up', 'x-1'];

const configBody = (r: Rng): Record<string, Json> => {
    const min = r.int(0, 3);
    const body: Record<string, Json> = { name: r.pick(names), cooldown: r.pick([0, 1, 60, 86400]), minEntities: min };
    if (r.chance(0.7)) {
        body.maxEntities = r.chance(0.2) ? null : r.int(min, 10);
    }

    if (r.chance(0.5)) {
        body.metadata = { team: 'web', empty: '' };
    }

    return body;
};

// args.server (contract §3): the keys it takes, good values of the optional
// ones, and what it must refuse: keys that would use the service account's
// power (placement, several servers, ports, volumes, our metadata) and bad values.
const serverKeys = new Set(['name', 'imageRef', 'flavorRef', 'networks', 'key_name', 'user_data', 'personality', 'metadata',
    'security_groups', 'availability_zone', 'block_device_mapping_v2', 'config_drive', 'description']);
const uuid = '3f0e1a52-5c2b-4d8e-9a41-7d2b6c0e9f10';
const disk = { source_type: 'image', uuid, destination_type: 'volume', volume_size: 10, boot_index: 0, delete_on_termination: true };
const goodServerValues: [string, Json][] = [
    ['networks', [{ uuid }]], ['networks', [{ uuid, fixed_ip: '10.0.0.5' }]], ['key_name', 'ops'], ['user_data', 'IyEvYmluL3NoCg=='],
    ['personality', [{ path: '/etc/motd', contents: 'aGk=' }]], ['metadata', { team: 'web' }], ['security_groups', [{ name: 'default' }]],
    ['availability_zone', 'nova'], ['block_device_mapping_v2', [disk]], ['config_drive', true], ['description', 'web tier']
];
const forbiddenServerKeys: [string, Json][] = [
    ['host', 'compute-7'], ['hypervisor_hostname', 'compute-7'], ['min_count', 5], ['max_count', 5], ['return_reservation_id', true],
    ['scheduler_hints', { same_host: [uuid] }], ['adminPass', 'x'], ['accessIPv4', '10.0.0.1'], ['block_device_mapping', [{ volume_id: uuid }]],
    ['tags', ['a']], ['Host', 'compute-7'], ['hostname', 'web']
];
const badServerValues: [string, Json][] = [
    ['name', 'web\n'], ['networks', 'all'], ['networks', [{ port: uuid }]], ['networks', [{ uuid, port: uuid }]], ['networks', [{ uuid: 'net' }]],
    ['networks', [{ uuid, fixed_ip: '10.0.0.0/8' }]], ['user_data', '#!/bin/sh'], ['user_data', 'A'.repeat(87_384)],
    ['personality', Array.from({ length: 6 }, () => ({ path: '/p', contents: 'aGk=' }))], ['personality', [{ path: '/p', contents: 'A'.repeat(13_656) }]],
    ['metadata', { 'autoscale:group_id': 'theirs' }], ['metadata', { 'autoscale:intent_id': 'x' }],
    ['metadata', Object.fromEntries(Array.from({ length: 127 }, (_, i) => [`k${i}`, 'v']))], ['security_groups', [{ id: uuid }]],
    ['availability_zone', 'nova:compute-7'], ['availability_zone', 'nova::node-1'],
    ['block_device_mapping_v2', [{ ...disk, source_type: 'volume' }]], ['block_device_mapping_v2', [{ ...disk, source_type: 'snapshot' }]],
    ['block_device_mapping_v2', [{ ...disk, volume_id: uuid }]], ['block_device_mapping_v2', [{ ...disk, delete_on_termination: false }]],
    ['config_drive', 'yes'], ['description', 'd'.repeat(256)]
];

// Its own stream, so that every other draw of a seed stays what it was.
const launchRng = new Rng(seed ^ 0x1a0c4e75);

const launchServer = (r: Rng): Record<string, Json> => {
    const server: Record<string, Json> = { flavorRef: r.pick(['1', 'm1.small']), imageRef: '70a599e0-31e7-49b7-b260-868f441e862b', networks: r.pick(['none', 'auto']), name: 'web' };
    const h = launchRng.float();
    const [key, value] = h < 0.2 ? launchRng.pick(forbiddenServerKeys) : h < 0.4 ? launchRng.pick(badServerValues) : h < 0.6 ? launchRng.pick(goodServerValues) : ['', null];
    if (key !== '') {
        server[key] = structuredClone(value);
    }

    return server;
};

const launchBody = (r: Rng): Record<string, Json> => ({
    type: 'launch_server',
    args: {
        server: launchServer(r),
        ...(r.chance(0.3) ? { loadBalancers: [{ poolId: `00000000-0000-4000-8000-${String(r.int(0, 999)).padStart(12, '0')}`, port: r.pick([1, 80, 65535]) }] } : {}),
        ...(r.chance(0.2) ? { drainingTimeoutS: r.pick([0, 30, 3600]) } : {})
    }
});

// What of contract §3 a stored launch configuration breaks, if anything.
const storedLaunchProblem = (stored: Json): string | null => {
    const launch: Json = typeof stored === 'string' ? JSON.parse(stored) : stored;
    const server = (launch as { args?: { server?: Record<string, Json> } } | null)?.args?.server;
    if (!server) {
        return 'no args.server';
    }

    const metadata = (server.metadata ?? {}) as Record<string, Json>;
    const networks = Array.isArray(server.networks) ? server.networks as Record<string, Json>[] : [];
    const disks = Array.isArray(server.block_device_mapping_v2) ? server.block_device_mapping_v2 as Record<string, Json>[] : [];
    const problems = [
        ...Object.keys(server).filter((key) => !serverKeys.has(key)).map((key) => `key ${key}`),
        ...Object.keys(metadata).filter((key) => key.startsWith('autoscale:')).map((key) => `metadata ${key}`),
        ...(Object.keys(metadata).length > 126 ? ['more than 126 metadata items'] : []),
        ...networks.filter((n) => 'port' in n).map(() => 'a port'),
        ...disks.filter((d) => !['image', 'blank'].includes(String(d.source_type)) || d.delete_on_termination !== true || 'volume_id' in d).map(() => 'a disk'),
        ...(typeof server.availability_zone === 'string' && server.availability_zone.includes(':') ? ['a host in availability_zone'] : [])
    ];
    return problems.length > 0 ? problems.join(', ') : null;
};

const policyBody = (r: Rng): Record<string, Json> => {
    const adjustment = r.pick([
        { change: r.pick([-1000, -1, 1, 5, 1000]) },
        { changePercent: r.pick([-100, -50, 12.5, 10000]) },
        { desiredCapacity: r.int(0, 10) }
    ]);
    const schedule = r.chance(0.3);
    return {
        name: r.pick(names),
        cooldown: r.pick([0, 30, 86400]),
        type: schedule ? 'schedule' : 'webhook',
        ...adjustment,
        ...(schedule ? { args: r.chance(0.5) ? { at: '2099-01-01T00:00:00Z' } : { cron: r.pick(['0 2 * * *', '*/5 * * * 1-5']) } } : {})
    };
};

const webhookBody = (r: Rng): Record<string, Json> => ({ name: r.pick(names), ...(r.chance(0.5) ? { metadata: { k: 'v' } } : {}) });

const ahead = (r: Rng): string => new Date(Date.now() + r.pick([60, 3600, 86_400]) * 1000).toISOString();

const overrideBody = (r: Rng): Record<string, Json> => {
    const min = r.int(0, 3);
    return {
        ...r.pick([{ desiredCapacity: r.int(min, 6) }, { minEntities: min }, { maxEntities: r.int(min, 8) }, { minEntities: min, maxEntities: min + 2, desiredCapacity: min + 1 }]),
        reason: r.pick(names), expiresAt: ahead(r)
    };
};

const killSwitchBody = (r: Rng): Record<string, Json> => ({ mode: r.pick(['scale-up', 'all']), reason: r.pick(names), ...(r.chance(0.5) ? { expiresAt: ahead(r) } : {}) });

const forcedBody = (r: Rng): Record<string, Json> => ({ force: true, reason: r.pick(names) });

// An Alertmanager notification, as the capability URL takes it.
const alertBody = (r: Rng): Record<string, Json> => ({
    version: '4', status: r.pick(['firing', 'resolved']), groupKey: r.pick(['{}:{alertname="high"}', 'k']),
    alerts: [{ status: 'firing', startsAt: new Date().toISOString(), labels: { alertname: 'high' } }]
});

const groupBody = (r: Rng): Record<string, Json> => ({
    groupConfiguration: configBody(r),
    launchConfiguration: launchBody(r),
    ...(r.chance(0.5) ? { scalingPolicies: Array.from({ length: r.int(0, 3) }, () => policyBody(r)) } : {})
});

const batch = (r: Rng, one: (r: Rng) => Record<string, Json>): Json[] => Array.from({ length: r.int(1, 3) }, () => one(r));

type BodyKind = 'group' | 'config' | 'launch' | 'policies' | 'policy' | 'webhooks' | 'webhook' | 'override' | 'killSwitch' | 'forced' | 'alert' | 'workflow' | 'callback' | 'none';

// A group's workflow: builtin, or a webhook to a public literal (no lookup), a private one, or a name.
const workflowBody = (r: Rng): Json => r.pick<Json>([
    { type: 'builtin' },
    { type: 'webhook', url: r.pick(['https://93.184.216.34/hook', 'https://10.0.0.1/hook', 'http://127.0.0.1/hook', 'https://hooks.example.com/x']), secret: 'whsec_fuzz_0123456789', timeoutS: r.pick([30, 300, 7200]) }
]);

// A workflow callback's body.
const callbackBody = (r: Rng): Json => ({ result: r.pick(['continue', 'abandon', 'heartbeat']) });

const validBody = (r: Rng, kind: BodyKind): Json => {
    switch (kind) {
        case 'group': return groupBody(r);
        case 'config': return configBody(r);
        case 'launch': return launchBody(r);
        case 'policies': return batch(r, policyBody);
        case 'policy': return policyBody(r);
        case 'webhooks': return batch(r, webhookBody);
        case 'webhook': return webhookBody(r);
        case 'override': return overrideBody(r);
        case 'killSwitch': return killSwitchBody(r);
        case 'forced': return forcedBody(r);
        case 'alert': return alertBody(r);
        case 'workflow': return workflowBody(r);
        case 'callback': return callbackBody(r);
        case 'none': return r.pick([undefined, {}, [], { force: true }, 'x']);
    }
};

// ---------------------------------------------------------------------------
// Mutations.

const weird = (): Json[] => [
    null, true, false, 0, -0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 5e-324,
    '', ' ', 'NaN', 'Infinity', '-Infinity', '1e400', '0x10', ' 5 ', '5abc', 'null', 'true', '[]', '{}',
    'a\u0000b', '\u0000', 'é', '🚀', '\u202egnirts', 'a\u0301', '\uffff', '\u2028', '\ud83d', 'ﷺ', '%00', '../../etc/passwd',
    "'; DROP TABLE groups; --", '${7*7}', '{{7*7}}', '<script>', [], {}, [1, 2], { a: 1 }, [[[]]], { __proto__x: 1 }
];

const deep = (r: Rng, leaf: Json): Json => {
    let value = leaf;
    const depth = r.pick([20, 40, 200, 2000]);
    const asArray = r.chance(0.5);
    for (let i = 0; i < depth; i++) {
        value = asArray ? [value] : { a: value };
    }

    return value;
};

const longString = (r: Rng): string => r.pick(['x', 'é', '🚀', '\u0000', 'ab ']).repeat(r.pick([257, 1000, 20_000, 300_000]));

interface Slot {
    parent: Record<string, Json> | Json[];
    key: string | number;
}

const slotsOf = (value: Json, out: Slot[] = [], depth = 0): Slot[] => {
    if (depth > 8 || value === null || typeof value !== 'object') {
        return out;
    }

    if (Array.isArray(value)) {
        value.forEach((item, i) => {
            out.push({ parent: value, key: i });
            slotsOf(item, out, depth + 1);
        });
    }
    else {
        for (const [key, item] of Object.entries(value)) {
            out.push({ parent: value as Record<string, Json>, key });
            slotsOf(item, out, depth + 1);
        }
    }

    return out;
};

const objectsOf = (value: Json, out: Record<string, Json>[] = [], depth = 0): Record<string, Json>[] => {
    if (depth > 8 || value === null || typeof value !== 'object') {
        return out;
    }

    if (!Array.isArray(value)) {
        out.push(value as Record<string, Json>);
    }

    for (const item of Object.values(value)) {
        objectsOf(item, out, depth + 1);
    }

    return out;
};

const get = (slot: Slot): Json => (slot.parent as Record<string | number, Json>)[slot.key];
const put = (slot: Slot, value: Json): void => {
    (slot.parent as Record<string | number, Json>)[slot.key] = value;
};

const dangerousKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

// One mutation somewhere in the body; returns the new root (the root itself may be replaced).
const mutate = (r: Rng, root: Json): Json => {
    const slots = slotsOf(root);
    const op = r.int(0, 11);
    if (slots.length === 0 || r.chance(0.08)) {
        // The whole body.
        return r.pick([null, [], {}, [root], { wrapped: root }, r.pick(weird()), deep(r, root)]);
    }

    const slot = r.pick(slots);
    const current = get(slot);
    switch (op) {
        case 0: // drop
            if (Array.isArray(slot.parent)) {
                slot.parent.splice(Number(slot.key), 1);
            }
            else {
                delete slot.parent[slot.key];
            }

            break;
        case 1: // retype
            put(slot, r.pick(weird()));
            break;
        case 2: // huge or tiny numbers
            put(slot, r.pick([1e308, -1e308, 2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 53 + 1, 1e21, 0.1 + 0.2, 5e-324]));
            break;
        case 3: // negative
            put(slot, typeof current === 'number' ? -current - 1 : -1);
            break;
        case 4: // NaN-ish strings
            put(slot, r.pick(['NaN', 'Infinity', '-Infinity', '1e400', '', ' ', '0', '-0', '1_000', '٣']));
            break;
        case 5: // deep nesting
            put(slot, deep(r, current));
            break;
        case 6: // an array for an object, or an object for an array
            put(slot, Array.isArray(current) ? { 0: current[0] } : [current]);
            break;
        case 7: // very long strings
            put(slot, longString(r));
            break;
        case 8: // unicode and control characters
            put(slot, `${typeof current === 'string' ? current : 'v'}${r.pick(['\u0000', '\ud800', '\udc00', '\u202e', '\u0007', '\n', '🚀', '\ufeff'])}`);
            break;
        case 9: // null
            put(slot, null);
            break;
        case 10: { // prototype-pollution and other inherited keys, as own properties
            const objects = objectsOf(root);
            if (objects.length > 0) {
                Object.defineProperty(r.pick(objects), r.pick(dangerousKeys), { value: r.pick([{ polluted: true }, 'x', 1, null]), enumerable: true, configurable: true, writable: true });
            }

            break;
        }

        default: { // duplicate: copy a field to a sibling key of another case
            if (!Array.isArray(slot.parent) && typeof slot.key === 'string') {
                slot.parent[slot.key.toUpperCase() === slot.key ? `${slot.key}_` : slot.key.toUpperCase()] = current;
            }
            else if (Array.isArray(slot.parent)) {
                slot.parent.push(current);
            }
        }
    }

    return root;
};

// ---------------------------------------------------------------------------
// Routes (plugin/routes/*.ts) and the ids they take.

interface Route {
    method: 'GET' | 'POST' | 'PUT' | 'DELETE' | '*';
    path: string;
    body: BodyKind;
    // A refused trigger is recorded: its 403 leaves an activity row (contract §4), and nothing else.
    recordsRefusal?: true;
    // Whose token it takes: an admin's (any tenant), nobody's, or (by default) the tenant's.
    caller?: 'admin' | 'anonymous';
}

const routes: Route[] = [
    { method: 'GET', path: '/autoscale/health', body: 'none' },
    { method: 'GET', path: '/autoscale/openapi.json', body: 'none' },
    { method: 'GET', path: '/autoscale/metrics', body: 'none' },
    { method: 'GET', path: '/autoscale/v1.0/{tenantId}/limits', body: 'none' },
    { method: 'GET', path: '/autoscale/v1.0/{tenantId}/groups', body: 'none' },
    { method: 'POST', path: '/autoscale/v1.0/{tenantId}/groups', body: 'group' },
    { method: 'GET', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}', body: 'none' },
    { method: 'DELETE', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}', body: 'none' },
    { method: 'GET', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/config', body: 'none' },
    { method: 'PUT', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/config', body: 'config' },
    { method: 'GET', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/launch', body: 'none' },
    { method: 'PUT', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/launch', body: 'launch' },
    { method: 'GET', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/state', body: 'none' },
    { method: 'POST', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/pause', body: 'none' },
    { method: 'POST', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/resume', body: 'none' },
    { method: 'GET', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/policies', body: 'none' },
    { method: 'POST', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/policies', body: 'policies' },
    { method: 'GET', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/policies/{policyId}', body: 'none' },
    { method: 'PUT', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/policies/{policyId}', body: 'policy' },
    { method: 'DELETE', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/policies/{policyId}', body: 'none' },
    { method: 'GET', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/policies/{policyId}/webhooks', body: 'none' },
    { method: 'POST', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/policies/{policyId}/webhooks', body: 'webhooks' },
    { method: 'GET', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/policies/{policyId}/webhooks/{webhookId}', body: 'none' },
    { method: 'PUT', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/policies/{policyId}/webhooks/{webhookId}', body: 'webhook' },
    { method: 'DELETE', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/policies/{policyId}/webhooks/{webhookId}', body: 'none' },
    { method: 'POST', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/policies/{policyId}/execute', body: 'forced', recordsRefusal: true },
    { method: 'GET', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/activity', body: 'none' },
    { method: 'POST', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/converge', body: 'none', recordsRefusal: true },
    { method: 'DELETE', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/servers/{serverId}', body: 'none', recordsRefusal: true },
    { method: 'GET', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/override', body: 'none' },
    { method: 'PUT', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/override', body: 'override' },
    { method: 'DELETE', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/override', body: 'none' },
    { method: 'GET', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/workflow', body: 'none' },
    { method: 'PUT', path: '/autoscale/v1.0/{tenantId}/groups/{groupId}/workflow', body: 'workflow' },
    { method: 'POST', path: '/autoscale/v1.0/execute/1/{capability*}', body: 'alert', caller: 'anonymous' },
    { method: 'POST', path: '/autoscale/v1.0/workflow/1/{token}', body: 'callback', caller: 'anonymous' },
    { method: 'GET', path: '/autoscale/admin/kill-switches', body: 'none', caller: 'admin' },
    { method: 'PUT', path: '/autoscale/admin/kill-switches/{scope}', body: 'killSwitch', caller: 'admin' },
    { method: 'DELETE', path: '/autoscale/admin/kill-switches/{scope}', body: 'none', caller: 'admin' },
    { method: 'GET', path: '/autoscale/admin/instances', body: 'none', caller: 'admin' },
    { method: 'GET', path: '/autoscale/admin/tenants/{tenantId}/groups/{groupId}/override', body: 'none', caller: 'admin' },
    { method: 'PUT', path: '/autoscale/admin/tenants/{tenantId}/groups/{groupId}/override', body: 'override', caller: 'admin' },
    { method: 'DELETE', path: '/autoscale/admin/tenants/{tenantId}/groups/{groupId}/override', body: 'none', caller: 'admin' },
    { method: 'POST', path: '/autoscale/admin/tenants/{tenantId}/groups/{groupId}/policies/{policyId}/execute', body: 'forced', caller: 'admin', recordsRefusal: true },
    { method: 'GET', path: '/autoscale/admin/ui', body: 'none', caller: 'anonymous' },
    { method: 'GET', path: '/autoscale/admin/ui/app.js', body: 'none', caller: 'anonymous' },
    { method: 'GET', path: '/autoscale/admin/ui/app.css', body: 'none', caller: 'anonymous' },
    { method: '*', path: '/autoscale/{any*}', body: 'none' }
];

const scopes = ['global', 'region:RegionOne', 'region:', 'regional', 'region:' + 'r'.repeat(300), 'GLOBAL', '%00', 'region:%F0%9F%98%80'];

interface Rows {
    groups: { id: string }[];
    policies: { id: string; group_id: string }[];
    webhooks: { id: string; policy_id: string; group_id: string }[];
}

const rowsOf = (snapshot: string): Rows => JSON.parse(snapshot) as Rows;

// Two tenant snapshots alike but for their activity rows.
const sameButActivity = (a: string, b: string): boolean => {
    const strip = (snapshot: string) => JSON.stringify({ ...(JSON.parse(snapshot) as Record<string, unknown>), activity: null });
    return strip(a) === strip(b);
};

// Ids are random UUIDs and rows come back ordered by id: to replay a seed
// exactly, rows are ranked by when (and where in the response) they appeared.
class Ranking {
    private readonly rank = new Map<string, number>();

    learn(snapshot: string, step: number, payload: string): void {
        const rows = rowsOf(snapshot);
        for (const row of [...rows.groups, ...rows.policies, ...rows.webhooks]) {
            if (!this.rank.has(row.id)) {
                const at = payload.indexOf(row.id);
                this.rank.set(row.id, step * 1e9 + (at >= 0 ? at : 1e9 - 1));
            }
        }
    }

    rows(snapshot: string): Rows {
        const rows = rowsOf(snapshot);
        const order = <T extends { id: string }>(list: T[]): T[] => [...list].sort((a, b) => (this.rank.get(a.id) ?? 0) - (this.rank.get(b.id) ?? 0));
        return { groups: order(rows.groups), policies: order(rows.policies), webhooks: order(rows.webhooks) };
    }
}

// Ids that are nobody's, already in URL form: some encoded, some raw.
const garbageIds = (r: Rng): string[] => [
    '00000000-0000-4000-8000-000000000000', 'not-a-uuid', '0', '-1', 'x'.repeat(256), 'x'.repeat(257), 'y'.repeat(r.pick([300, 5000])),
    '%F0%9F%98%80', 'gr%C3%BCppe', '%00', 'ab%00cd', '%20', '%0A', 'a%2Fb', '%2E%2E', '..', '%25', '%ZZ', '%E0%A4%A', '%C0%AF', '%EF%BF%BF',
    '__proto__', 'constructor', 'prototype', 'null', 'undefined', 'NaN', "'%20OR%201=1--", '%22%3E%3Cscript%3E', ';', ':', '~', '!', '*', '(x)', '@'
];

const queryKeys = ['limit', 'marker', 'webhooks', 'force', 'replace', 'foo', '__proto__', 'constructor', 'limit[]', 'marker[a]', ''];
const queryValues = (r: Rng): string[] => [
    '1', '2', '100', '101', '1000', '0', '-1', 'abc', '1.5', '1e400', 'true', 'false', 'yes', '', '%00', '%ZZ', '%F0%9F%98%80',
    'z'.repeat(r.pick([10, 256, 257, 3000])), '00000000-0000-4000-8000-000000000000', '__proto__', '%5B%5D', 'a&b'
];

const randomQuery = (r: Rng): string => {
    if (r.chance(0.5)) {
        return '';
    }

    const parts = Array.from({ length: r.int(1, 3) }, () => `${r.pick(queryKeys)}=${r.pick(queryValues(r))}`);
    return `?${parts.join('&')}`;
};

const contentTypes = ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'application/octet-stream',
    'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/vnd.api+json', 'image/png'];

interface Request {
    method: string;
    url: string;
    headers: Record<string, string>;
    payload?: string;
    actor: 'A' | 'B' | 'admin' | null; // whose token, if any
    recordsRefusal: boolean;
}

const describeRequest = (req: Request, res: ServerInjectResponse<unknown> | null, note: string): string =>
    [
        `${note}`,
        `  ${req.method} ${req.url.length > 400 ? `${req.url.slice(0, 400)}...(${req.url.length})` : req.url}`,
        `  headers: ${JSON.stringify(req.headers)}`,
        `  body: ${req.payload === undefined ? '(none)' : req.payload.length > 1000 ? `${req.payload.slice(0, 1000)}...(${req.payload.length} chars)` : req.payload}`,
        res ? `  -> ${res.statusCode} ${res.payload.slice(0, 600)}` : '  -> (no response)'
    ].join('\n');

// ---------------------------------------------------------------------------

describe(`fuzz (seed ${seed}, ${requests} requests + ${Math.round(requests * foreignShare)} with another tenant's token)`, () => {
    const tenants = { A: freshTenant(), B: freshTenant() };
    const tokens = { A: `tok-${tenants.A}`, B: `tok-${tenants.B}`, admin: 'tok-fuzz-admin' };
    let server: Hapi.Server;
    let seeded = '';

    before(async () => {
        server = await testServer({
            validator: tableValidator({
                [tokens.A]: { projectId: tenants.A, user: 'alice' }, [tokens.B]: { projectId: tenants.B, user: 'bob' },
                [tokens.admin]: { projectId: 'admin', user: 'root', roles: ['admin'] }
            }),
            // Webhook hosts resolve to nothing here: no lookup leaves the machine.
            webhooks: { lookup: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })), intervalMs: 0 },
            // Small ceilings keep the database small, and make the 422s reachable
            // (tenant A starts at its group ceiling, and every seeded policy one short of its own).
            limits: { maxGroups: 3, maxPoliciesPerGroup: 2, maxWebhooksPerPolicy: 2 }
        });
        for (const who of ['A', 'A', 'B'] as const) {
            const made = await server.inject({
                method: 'POST', url: `/autoscale/v1.0/${tenants[who]}/groups`, headers: { 'x-auth-token': tokens[who] },
                payload: { ...validGroup(), scalingPolicies: [{ name: 'up', cooldown: 0, type: 'webhook', change: 1 }] }
            });
            expect(made.statusCode, made.payload).to.equal(201);
            const group = String(field(made.result, 'group', 'id'));
            const policy = String(field(made.result, 'group', 'scalingPolicies', 0, 'id'));
            const hooks = await server.inject({
                method: 'POST', url: `/autoscale/v1.0/${tenants[who]}/groups/${group}/policies/${policy}/webhooks`,
                headers: { 'x-auth-token': tokens[who] }, payload: [{ name: 'pager' }]
            });
            expect(hooks.statusCode, hooks.payload).to.equal(201);
            seeded += made.payload + hooks.payload;
        }
    });

    // Kill-switches are global: none set here outlives the run.
    after(async () => {
        await (await testKnex())('kill_switches').delete();
        await server.stop();
    });

    it('lists every route of the plugin', () => {
        const ours = server.table().filter((route) => route.realm.plugin === 'nova-autoscale').map((route) => `${route.method.toUpperCase()} ${route.path}`);
        const known = routes.map((route) => `${route.method} ${route.path}`);
        const unknown = ours.filter((route) => !known.includes(route));
        if (unknown.length > 0) {
            console.log(`\nfuzz: routes not fuzzed yet (add them to test/fuzz.ts): ${unknown.join(', ')}`);
        }

        // Every route fuzzed exists.
        expect(known.filter((route) => !ours.includes(route))).to.equal([]);
    });

    it('never answers 5xx, answers every 4xx in the contract shape, and writes nothing when it refuses', { timeout: 600_000 }, async () => {
        const r = new Rng(seed);
        const snapshots = { A: await tenantSnapshot(tenants.A), B: await tenantSnapshot(tenants.B) };
        const ranking = new Ranking();
        ranking.learn(snapshots.A, 0, seeded);
        ranking.learn(snapshots.B, 0, seeded);
        const failures: string[] = [];
        const tally: Record<string, number> = {};
        let notOurs = 0;

        const pathFor = (route: Route, actor: 'A' | 'B'): string => {
            const own = ranking.rows(snapshots[actor]);
            const other = ranking.rows(snapshots[actor === 'A' ? 'B' : 'A']);
            const tenant = r.float() < 0.85 ? tenants[actor] : r.pick([tenants[actor === 'A' ? 'B' : 'A'], encodeURIComponent('t-ü'), '%00', 'x'.repeat(300), '..', tenants[actor].toUpperCase()]);
            const group = r.float() < 0.65 && own.groups.length > 0 ? r.pick(own.groups).id
                : r.chance(0.3) && other.groups.length > 0 ? r.pick(other.groups).id : r.pick(garbageIds(r));
            const policies = own.policies.filter((p) => p.group_id === group);
            const policy = r.float() < 0.7 && policies.length > 0 ? r.pick(policies).id
                : r.chance(0.3) && own.policies.length > 0 ? r.pick(own.policies).id
                    : r.chance(0.3) && other.policies.length > 0 ? r.pick(other.policies).id : r.pick(garbageIds(r));
            const webhooks = own.webhooks.filter((w) => w.policy_id === policy);
            const webhook = r.float() < 0.7 && webhooks.length > 0 ? r.pick(webhooks).id
                : r.chance(0.3) && own.webhooks.length > 0 ? r.pick(own.webhooks).id
                    : r.chance(0.3) && other.webhooks.length > 0 ? r.pick(other.webhooks).id : r.pick(garbageIds(r));
            const serverId = r.chance(0.2) ? r.pick(['', 'x/y']) : r.pick(garbageIds(r));
            let path = route.path.replace('{tenantId}', tenant).replace('{groupId}', group).replace('{policyId}', policy).replace('{webhookId}', webhook)
                .replace('{serverId}', serverId).replace('{capability*}', r.pick([...garbageIds(r), 'a'.repeat(64), `${'f'.repeat(64)}/`, '']))
                .replace('{token}', r.pick([...garbageIds(r), 'a'.repeat(64), '']))
                .replace('{scope}', r.pick([...scopes, ...garbageIds(r)])).replace('{any*}', r.pick(['v1.0', 'v2/x', 'admin', '', ...garbageIds(r)]));
            if (r.chance(0.03)) {
                path = r.pick([`${path}/`, path.replace('/groups', '//groups'), `${path}/extra`, path.replace('v1.0', 'v1.1'), path.toUpperCase()]);
            }

            return path + randomQuery(r);
        };

        const requestFor = (actor: 'A' | 'B'): Request => {
            const route = r.pick(routes);
            const method = route.method === '*' || r.chance(0.05) ? r.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']) : route.method;
            const headers: Record<string, string> = {};
            const token = r.float();
            // The caller the route is for, mostly; now and then the tenant's token on an admin route, or none.
            const intended = route.caller === 'admin' ? (r.chance(0.85) ? 'admin' : actor) : route.caller === 'anonymous' ? null : actor;
            const sent: 'A' | 'B' | 'admin' | null = token < 0.95 ? intended : null;
            if (sent) {
                headers['x-auth-token'] = tokens[sent];
            }
            else if (r.chance(0.5)) {
                headers['x-auth-token'] = r.pick(['', ' ', 'bogus', `${tokens[actor]}x`, 'tok\u00e9']);
            }

            let payload: string | undefined;
            const shape = r.float();
            if (route.body !== 'none' || r.chance(0.1)) {
                let body = validBody(r, route.body === 'none' ? r.pick<BodyKind>(['group', 'config', 'webhook']) : route.body);
                const mutations = shape < 0.15 ? 0 : r.int(1, 3);
                for (let i = 0; i < mutations; i++) {
                    body = mutate(r, body);
                }

                payload = JSON.stringify(body) ?? 'undefined';
                if (r.chance(0.05) && payload.endsWith('}')) {
                    payload = `${payload.slice(0, -1)}${payload.length > 2 ? ',' : ''}"name":${r.pick(['1', 'null', '""', '"dup"'])}}`; // a duplicated key, last wins
                }

                if (r.chance(0.04)) {
                    payload = payload.slice(0, r.int(0, payload.length)); // truncated
                }

                if (r.chance(0.02)) {
                    payload = r.pick(['{"__proto__": {"polluted": true}}', '{"constructor": {"prototype": {"polluted": true}}}', '\u0000', '\ufeff{}', '['.repeat(10000), 'x'.repeat(1_100_000)]);
                }

                headers['content-type'] = r.chance(0.08) ? r.pick(contentTypes) : 'application/json';
            }

            return { method, url: pathFor(route, actor), headers, ...(payload === undefined ? {} : { payload }), actor: sent, recordsRefusal: route.recordsRefusal === true };
        };

        const total = requests + Math.round(requests * foreignShare);
        for (let i = 0; i < total && failures.length < 20; i++) {
            const actor: 'A' | 'B' = r.chance(foreignShare) ? 'B' : 'A';
            const req = requestFor(actor);
            let res: ServerInjectResponse<unknown> | null = null;
            try {
                res = await server.inject({ method: req.method, url: req.url, headers: req.headers, ...(req.payload === undefined ? {} : { payload: req.payload }) });
            }
            catch (err) {
                failures.push(describeRequest(req, null, `#${i}: inject threw ${String(err)}`));
                continue;
            }

            const status = res.statusCode;
            tally[`${Math.floor(status / 100)}xx`] = (tally[`${Math.floor(status / 100)}xx`] ?? 0) + 1;
            tally[String(status)] = (tally[String(status)] ?? 0) + 1;
            if (status >= 500) {
                failures.push(describeRequest(req, res, `#${i}: ${status}`));
            }

            if (status === 400 && String(field(res.result, 'error', 'details', 'field')).includes('args.server.')) {
                tally['400 args.server'] = (tally['400 args.server'] ?? 0) + 1;
            }

            const ours = res.request.route.realm.plugin === 'nova-autoscale';
            if (status >= 400 && !ours) {
                // No route of ours matched (hapi's own 404, or a URL it cannot decode): not
                // ours to shape. Still never a 5xx, and only 400/404.
                notOurs++;
                if (status !== 404 && status !== 400) {
                    failures.push(describeRequest(req, res, `#${i}: ${status} from outside the plugin`));
                }
            }
            else if (status >= 400 && req.method !== 'HEAD') {
                const problem = errorShapeProblem(status, res.result);
                if (problem) {
                    failures.push(describeRequest(req, res, `#${i}: ${problem}`));
                }
            }

            for (const who of ['A', 'B'] as const) {
                const now = await tenantSnapshot(tenants[who]);
                if (now !== snapshots[who]) {
                    for (const group of (JSON.parse(now) as { groups: { launch: Json }[] }).groups) {
                        const problem = storedLaunchProblem(group.launch);
                        if (problem) {
                            failures.push(describeRequest(req, res, `#${i}: tenant ${who} has a launch configuration contract §3 refuses (${problem})`));
                        }
                    }
                }

                // Refused: nothing written, but a refused trigger's own activity row. Accepted: only by the tenant, or an admin.
                const allowed = status < 400 ? req.actor === who || req.actor === 'admin' : status === 403 && req.recordsRefusal && sameButActivity(now, snapshots[who]);
                if (now !== snapshots[who] && !allowed) {
                    failures.push(describeRequest(req, res, `#${i}: tenant ${who}'s rows changed (the request was ${req.actor ?? 'anonymous'}'s, ${status})`));
                }

                snapshots[who] = now;
                ranking.learn(now, i + 1, res.payload);
            }
        }

        console.log(`\nfuzz seed ${seed}: ${JSON.stringify(Object.fromEntries(Object.entries(tally).sort()))}; ${notOurs} answered outside the plugin's routes`);
        expect(failures.length, `${failures.length} failures (replay: FUZZ_SEED=${seed}):\n${failures.join('\n\n')}\n`).to.equal(0);
        expect(({} as Record<string, unknown>).polluted, 'Object.prototype polluted').to.be.undefined();
        // The run reached every kind of answer it is meant to exercise.
        for (const status of ['2xx', '400', '403', '404', '422', '400 args.server']) {
            expect(tally[status] ?? 0, `no ${status} in the run`).to.be.above(0);
        }
    });
});
