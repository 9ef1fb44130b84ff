// Nova's server JSON, checked by hand: a listing of thousands of servers is
// parsed on every sweep, and a malformed server must fail the whole answer
// (never dropped quietly, never half-read) because the converger counts them.
import { isRecord } from '../../core/model/json';
import type { NovaServer, ServerAddress } from '../../core/model/server';

import { MalformedAnswer } from '../http/service-call';

export { MalformedAnswer };

export interface ServerPage {
    readonly servers: readonly NovaServer[];
    readonly next: string | null;          // href of the rel=next link
}

export const parseServer = (raw: unknown, where: string): NovaServer => {
    if (!isRecord(raw)) {
        throw new MalformedAnswer(`${where}: a server is not an object`);
    }

    const id = raw.id;
    const status = raw.status;
    if (typeof id !== 'string' || id === '') {
        throw new MalformedAnswer(`${where}: a server has no id`);
    }

    if (typeof status !== 'string' || status === '') {
        throw new MalformedAnswer(`${where}: server ${id} has no status`);
    }

    const created = typeof raw.created === 'string' ? new Date(raw.created) : null;
    if (created === null || Number.isNaN(created.getTime())) {
        throw new MalformedAnswer(`${where}: server ${id} has no valid created time`);
    }

    const taskState = raw['OS-EXT-STS:task_state'];
    return {
        id,
        name: typeof raw.name === 'string' ? raw.name : '',
        status,
        taskState: typeof taskState === 'string' ? taskState : null,
        metadata: parseMetadata(raw.metadata, id, where),
        created,
        addresses: parseAddresses(raw.addresses)
    };
};

// Addresses say where a server is reached, not whether it is ours or how it
// is counted: an entry that is not a well-formed address is passed over
// rather than failing the listing.
const parseAddresses = (raw: unknown): ServerAddress[] => {
    if (!isRecord(raw)) {
        return [];
    }

    return Object.entries(raw).flatMap(([network, entries]) => (Array.isArray(entries) ? entries : []).flatMap((entry: unknown): ServerAddress[] => {
        if (!isRecord(entry) || typeof entry.addr !== 'string' || (entry.version !== 4 && entry.version !== 6)) {
            return [];
        }

        const type = entry['OS-EXT-IPS:type'];
        return [{ network, addr: entry.addr, version: entry.version, type: type === 'fixed' || type === 'floating' ? type : null }];
    }));
};

// Our ownership lives in metadata: anything but a flat map of strings is not
// read as "no metadata" (that would turn our server into a foreign one).
const parseMetadata = (raw: unknown, id: string, where: string): Record<string, string> => {
    if (raw === undefined || raw === null) {
        return {};
    }

    if (!isRecord(raw)) {
        throw new MalformedAnswer(`${where}: server ${id} has metadata that is not an object`);
    }

    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) {
        if (typeof value !== 'string') {
            throw new MalformedAnswer(`${where}: server ${id} metadata ${key} is not a string`);
        }

        out[key] = value;
    }

    return out;
};

export const parseServerAnswer = (json: unknown, where: string): NovaServer => {
    if (!isRecord(json)) {
        throw new MalformedAnswer(`${where}: the answer is not a JSON object`);
    }

    return parseServer(json.server, where);
};

export const parseServerPage = (json: unknown, where: string): ServerPage => {
    if (!isRecord(json) || !Array.isArray(json.servers)) {
        throw new MalformedAnswer(`${where}: the answer has no servers list`);
    }

    const servers = json.servers.map((raw) => parseServer(raw, where));
    const links: unknown = json.servers_links;
    let next: string | null = null;
    if (Array.isArray(links)) {
        for (const link of links) {
            if (isRecord(link) && link.rel === 'next' && typeof link.href === 'string') {
                next = link.href;
            }
        }
    }

    return { servers, next };
};

export const parseCreateAnswer = (json: unknown, where: string): string => {
    const server = isRecord(json) ? json.server : undefined;
    if (!isRecord(server) || typeof server.id !== 'string' || server.id === '') {
        throw new MalformedAnswer(`${where}: the answer has no server id`);
    }

    return server.id;
};
