// /servers: create, list (paged like Nova), show, delete.
import { randomBytes } from 'node:crypto';
import { novaError } from '../http/errors';
import { empty, json, parseJson, type SimResponse } from '../http/messages';
import type { NovaCtx } from './context';
import { allocateAddresses, attachedNetworks } from './ports';
import { links, serverDetail, serverSummary } from './render';
import { references } from './references';
import { validateCreate } from './validate';
import type { Params, Route } from '../http/router';
import { addMs } from '../model/time';
import type { SimServer } from '../model/types';

export const MAX_LIMIT = 1000; // nova.conf [api] max_limit

const create = ({ state, req, token, project, version, viewer }: NovaCtx): SimResponse => {
    const parsed = parseJson(req.rawBody);
    if (!parsed.ok) {
        return novaError(400, 'Malformed request body');
    }

    const validated = validateCreate(parsed.value, version, references(state, viewer));
    if (!validated.ok) {
        return novaError(validated.status, validated.message);
    }

    const now = state.now();
    // Counted only against a quota: a listing per create made each create of a
    // large project cost as much as a listing of it.
    const quota = state.quotas.get(project.id);
    const used = quota === undefined ? 0 : state.servers.list(now, project.id).length;
    if (quota !== undefined && used + 1 > quota) {
        return novaError(403, `Quota exceeded for instances: Requested 1, but already used ${used} of ${quota} instances`);
    }

    const { spec } = validated;
    const addresses = allocateAddresses(state, attachedNetworks(state, viewer, spec.networks));
    const record = state.servers.create({
        projectId: project.id,
        userId: token.user.id,
        name: spec.name,
        metadata: spec.metadata,
        imageId: spec.imageId,
        flavorId: spec.flavorId,
        keyName: spec.keyName,
        userData: spec.userData,
        networks: spec.networks,
        addresses: addresses ?? [],
        createdAt: now,
        readyAt: addMs(now, state.config.buildDelayMs),
        // No address left on a subnet: Nova's build fails, and the server shows ERROR.
        ...(addresses ? {} : { fixed: 'ERROR' as const })
    });
    const serverLinks = links(req.origin, 'servers', record.id);
    return json(202, {
        server: {
            id: record.id,
            links: serverLinks,
            adminPass: randomBytes(9).toString('base64url'),
            'OS-DCF:diskConfig': 'MANUAL',
            security_groups: [{ name: 'default' }]
        }
    }, { Location: `${req.origin}/compute/v2.1/servers/${record.id}` });
};

const list = (ctx: NovaCtx, detail: boolean): SimResponse => {
    const { state, req, project, version } = ctx;
    const limit = parseLimit(req.query.get('limit'));
    if (typeof limit === 'string') {
        return novaError(400, limit);
    }

    const marker = req.query.get('marker') ?? undefined;
    const page = state.servers.page(state.now(), project.id, { limit, marker, filter: serverFilter(req.query) });
    if (!page) {
        return novaError(400, `marker [${marker}] not found`);
    }

    const servers = page.map((s) => detail ? serverDetail(req.origin, s, state.resources.flavor(s.flavorId), version) : serverSummary(req.origin, s));
    const body: Record<string, unknown> = { servers };
    const last = page[page.length - 1];
    if (last && page.length === limit) {
        const query = new URLSearchParams(req.query);
        query.set('marker', last.id);
        body.servers_links = [{ rel: 'next', href: `${req.origin}/compute/v2.1${req.path}?${query.toString()}` }];
    }

    return json(200, body);
};

// Nova: absent means max_limit; larger is clamped to it; anything but a whole number is refused.
const parseLimit = (value: string | null): number | string => {
    if (value === null) {
        return MAX_LIMIT;
    }

    if (!/^-?\d+$/.test(value.trim())) {
        return 'limit param must be an integer';
    }

    const limit = Number(value);
    return limit < 0 ? 'limit param must be positive' : Math.min(limit, MAX_LIMIT);
};

// ?name= is a regular expression (Nova matches it with REGEXP); ?status= an exact status.
const serverFilter = (query: URLSearchParams): (server: SimServer) => boolean => {
    const name = query.get('name');
    const status = query.get('status')?.toUpperCase();
    let pattern: RegExp | null = null;
    if (name !== null) {
        try {
            pattern = new RegExp(name);
        }
        catch {
            pattern = new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')); // not a valid regex: match it literally
        }
    }

    return (server) => (pattern === null || pattern.test(server.name)) && (status === undefined || server.status === status);
};

const show = ({ state, req, project, version }: NovaCtx, params: Params): SimResponse => {
    const server = state.servers.get(params.id, state.now(), project.id);
    if (!server) {
        return novaError(404, `Instance ${params.id} could not be found.`);
    }

    return json(200, { server: serverDetail(req.origin, server, state.resources.flavor(server.flavorId), version) });
};

const remove = ({ state, project }: NovaCtx, params: Params): SimResponse => {
    const { id } = params;
    const now = state.now();
    if (!state.servers.get(id, now, project.id)) {
        return novaError(404, `Instance ${id} could not be found.`);
    }

    state.servers.delete(id, now, state.config.deleteDelayMs);
    return empty(204);
};

export const serverRoutes: readonly Route<NovaCtx>[] = [
    { method: 'POST', pattern: '/servers', handler: create },
    { method: 'GET', pattern: '/servers', handler: (ctx) => list(ctx, false) },
    { method: 'GET', pattern: '/servers/detail', handler: (ctx) => list(ctx, true) },
    { method: 'GET', pattern: '/servers/:id', handler: show },
    { method: 'DELETE', pattern: '/servers/:id', handler: remove }
];
