// Helpers for the capability URL tests: a group with one webhook policy and
// its capability path, raw POSTs to it, and row counts across all tenants.
import * as Code from '@hapi/code';
import type Hapi from '@hapi/hapi';
import type { ServerInjectResponse } from '@hapi/hapi';
import { testKnex } from './support/database';
import { field, validGroup, type Caller } from './support/server';

const { expect } = Code;

export interface Hooked {
    readonly groupId: string;
    readonly policyId: string;
    readonly webhookId: string;
    readonly url: string;          // the group's API path
    readonly capability: string;   // the secret
    readonly path: string;         // the capability URL's path
}

export const hookedGroup = async (api: Caller, tenant: string, config: Record<string, unknown> = {}): Promise<Hooked> => {
    const created = await api('POST', `/${tenant}/groups`, {
        ...validGroup(),
        groupConfiguration: { name: 'g', cooldown: 0, minEntities: 0, maxEntities: 10, ...config },
        scalingPolicies: [{ name: 'p', cooldown: 0, type: 'webhook', change: 1 }]
    });
    expect(created.statusCode, JSON.stringify(created.result)).to.equal(201);
    const groupId = String(field(created.result, 'group', 'id'));
    const policyId = String(field(created.result, 'group', 'scalingPolicies', 0, 'id'));
    const url = `/${tenant}/groups/${groupId}`;
    const hooks = await api('POST', `${url}/policies/${policyId}/webhooks`, [{ name: 'am' }]);
    expect(hooks.statusCode, JSON.stringify(hooks.result)).to.equal(201);
    const links = field(hooks.result, 'webhooks', 0, 'links') as { href: string; rel: string }[];
    const href = links.find((l) => l.rel === 'capability')?.href ?? '';
    const path = new URL(href).pathname;
    const capability = /\/execute\/1\/([^/]+)\/$/.exec(path)?.[1] ?? '';
    expect(capability).to.match(/^[0-9a-f]{64}$/);
    return { groupId, policyId, webhookId: String(field(hooks.result, 'webhooks', 0, 'id')), url, capability, path };
};

export const capabilityPath = (capability: string): string => `/autoscale/v1.0/execute/1/${capability}/`;

// A POST as any client would send it: raw bytes, its own content type.
export const post = (server: Hapi.Server, path: string, body: string | Buffer = '', contentType?: string): Promise<ServerInjectResponse<unknown>> =>
    server.inject({ method: 'POST', url: path, payload: body, headers: contentType ? { 'content-type': contentType } : {} });

// Status, headers (but the date) and body bytes: what a caller could compare.
export const observable = (res: ServerInjectResponse<unknown>): string => {
    const headers = Object.fromEntries(Object.entries(res.headers).filter(([name]) => name !== 'date'));
    return JSON.stringify({ status: res.statusCode, headers, body: res.rawPayload.toString('base64') });
};

const TABLES = ['tenants', 'groups', 'policies', 'webhooks', 'overrides', 'kill_switches', 'alert_episodes', 'alert_events'];

// Every row of every tenant, table by table: an unknown capability changes none
// of them. Of the activity log, the rows a capability writes (`who`
// capability or an alert's): a converger another test left running may write
// its own meanwhile, and the servers ledger is the converger's alone.
export const allRows = async (): Promise<Record<string, number>> => {
    const knex = await testKnex();
    const counts = await Promise.all(TABLES.map(async (table) => {
        const [row] = await knex(table).count({ n: '*' });
        return [table, Number(row?.n ?? -1)] as const;
    }));
    const [activity] = await knex('activity').where('who', 'capability').orWhere('who', 'like', 'alert:%').count({ n: '*' });
    return { ...Object.fromEntries(counts), activity: Number(activity?.n ?? -1) };
};

export interface ActivityRecord {
    readonly reason: string;
    readonly who: string;
    readonly source: string;
    readonly outcome: string;
    readonly desiredBefore: number | null;
    readonly desiredAfter: number | null;
}

export const activityOf = async (api: Caller, hooked: Hooked): Promise<ActivityRecord[]> =>
    field((await api('GET', `${hooked.url}/activity?limit=100`)).result, 'activity') as ActivityRecord[];

export const desiredOf = async (api: Caller, hooked: Hooked): Promise<unknown> =>
    field((await api('GET', `${hooked.url}/state`)).result, 'group', 'desiredCapacity');

export const firing = (groupKey: string, startsAt: readonly string[], status: 'firing' | 'resolved' = 'firing') => JSON.stringify({
    version: '4',
    status,
    receiver: 'autoscale',
    groupKey,
    groupLabels: { alertname: 'HighLoad' },
    commonLabels: { alertname: 'HighLoad' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    truncatedAlerts: 0,
    alerts: startsAt.map((at, i) => ({
        status, labels: { alertname: 'HighLoad', instance: `i${i}` }, annotations: {}, startsAt: at,
        endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus/graph', fingerprint: `f${i}`
    }))
});
