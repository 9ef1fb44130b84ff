// The floor of the time-to-in-service bench: the same creates sent straight
// to Nova as the service account, all at once, then each server shown every
// pollMs until ACTIVE: no store, no decision, no converger. Its servers are
// deleted after, and waited for, so a real cloud is left as it was.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { ProjectSessions } from '../../adapters/keystone/project-sessions';
import { DEFAULT_MICROVERSION } from '../../adapters/nova/compute';
import { serverRequest } from '../../core/converge/observe';
import type { Cloud } from './cloud';

interface Nova {
    readonly pool: Pool;
    readonly path: string;          // the compute endpoint's path, without a trailing slash
    readonly token: string;
}

const novaOf = async (cloud: Cloud): Promise<Nova> => {
    const session = new ProjectSessions(cloud.account).for(cloud.tenantId);
    const endpoint = new URL(await session.endpoint('compute'));
    return { pool: new Pool(endpoint.origin, { connections: 16 }), path: endpoint.pathname.replace(/\/$/, ''), token: (await session.token()).value };
};

const call = async (nova: Nova, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await nova.pool.request({
        method, path: `${nova.path}${path}`,
        headers: { 'x-auth-token': nova.token, 'openstack-api-version': `compute ${DEFAULT_MICROVERSION}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: text ? JSON.parse(text) as unknown : null };
};

const statusOf = (json: unknown): string => (json as { server?: { status?: string } } | null)?.server?.status ?? '?';

// Deleted, then shown until 404: the next run starts from the same cloud.
const removeAll = async (nova: Nova, ids: readonly string[], limitMs: number): Promise<void> => {
    await Promise.all(ids.map((id) => call(nova, 'DELETE', `/servers/${id}`)));
    const until = Date.now() + limitMs;
    for (let left = [...ids]; left.length > 0; await sleep(250)) {
        const shown = await Promise.all(left.map(async (id) => ({ id, status: (await call(nova, 'GET', `/servers/${id}`)).status })));
        left = shown.filter((s) => s.status !== 404).map((s) => s.id);
        if (left.length > 0 && Date.now() > until) {
            throw new Error(`floor: ${left.length} servers not gone within ${limitMs} ms`);
        }
    }
};

// Milliseconds from the first create sent to the last server seen ACTIVE.
export const floorRun = async (cloud: Cloud, count: number, pollMs: number, limitMs: number): Promise<number> => {
    const nova = await novaOf(cloud);
    const ids: string[] = [];
    try {
        const group = `floor-${randomUUID()}`;
        const started = Date.now();
        const created = await Promise.all(Array.from({ length: count }, () => call(nova, 'POST', '/servers', { server: serverRequest(cloud.server, group, randomUUID()) })));
        for (const c of created) {
            const id = (c.json as { server?: { id?: string } } | null)?.server?.id;
            if (c.status !== 202 || !id) {
                throw new Error(`floor: create → ${c.status} ${JSON.stringify(c.json).slice(0, 200)}`);
            }

            ids.push(id);
        }

        for (let building = [...ids]; ; await sleep(pollMs)) {
            const shown = await Promise.all(building.map(async (id) => ({ id, status: statusOf((await call(nova, 'GET', `/servers/${id}`)).json) })));
            const failed = shown.find((s) => s.status === 'ERROR');
            if (failed) {
                throw new Error(`floor: server ${failed.id} went ERROR`);
            }

            building = shown.filter((s) => s.status !== 'ACTIVE').map((s) => s.id);
            if (building.length === 0) {
                return Date.now() - started;
            }

            if (Date.now() - started > limitMs) {
                throw new Error(`floor: ${building.length} servers not ACTIVE within ${limitMs} ms`);
            }
        }
    }
    finally {
        await removeAll(nova, ids, limitMs).finally(() => nova.pool.close());
    }
};
