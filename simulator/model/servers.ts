// Nova's servers. A record stores when things happened; the status a client sees
// is computed from those times on every read, so an injected clock drives it.
import { uuid } from './ids';
import type { ServerStatus, SimFixedIp, SimServer } from './types';

export interface ServerRecord {
    readonly id: string;
    readonly projectId: string;
    readonly userId: string;
    readonly name: string;
    readonly metadata: Readonly<Record<string, string>>;
    readonly imageId: string;
    readonly flavorId: string;
    readonly keyName: string | null;
    readonly userData: string | null;
    readonly networks: unknown;
    readonly addresses: readonly SimFixedIp[];  // allocated at create, kept until the server is gone
    readonly createdAt: Date;
    readonly readyAt: Date;                   // BUILD ends here
    fixed: { status: ServerStatus; at: Date } | null; // a status set by hand holds until changed
    deletingAt: Date | null;                  // DELETE accepted
    goneAt: Date | null;                      // no longer listed (kept as a marker, as Nova keeps deleted rows)
}

export type NewServer = Omit<ServerRecord, 'id' | 'fixed' | 'deletingAt' | 'goneAt'> & { readonly fixed?: ServerStatus };

const VM_STATES: Readonly<Record<ServerStatus, string>> = {
    BUILD: 'building', ACTIVE: 'active', ERROR: 'error', SHUTOFF: 'stopped', PAUSED: 'paused', SUSPENDED: 'suspended', DELETED: 'deleted'
};

// nova.compute.power_state: NOSTATE 0, RUNNING 1, PAUSED 3, SHUTDOWN 4, SUSPENDED 7
const POWER_STATES: Readonly<Record<ServerStatus, number>> = {
    BUILD: 0, ACTIVE: 1, ERROR: 0, SHUTOFF: 4, PAUSED: 3, SUSPENDED: 7, DELETED: 0
};

export interface PageQuery {
    readonly limit: number;
    readonly marker?: string | undefined;
    readonly filter: (server: SimServer) => boolean;
}

export class ServerStore {
    private readonly records = new Map<string, ServerRecord>();
    // A project's listing reads its own servers only, as Nova's indexed query does,
    // however many other projects hold (a benchmark's thousand projects).
    private readonly byProject = new Map<string, Map<string, ServerRecord>>();

    create(spec: NewServer): ServerRecord {
        const { fixed, ...rest } = spec;
        const record: ServerRecord = {
            ...rest,
            id: uuid(),
            metadata: { ...spec.metadata },
            fixed: fixed ? { status: fixed, at: spec.createdAt } : null,
            deletingAt: null,
            goneAt: null
        };
        this.records.set(record.id, record);
        const project = this.byProject.get(record.projectId) ?? new Map<string, ServerRecord>();
        project.set(record.id, record);
        this.byProject.set(record.projectId, project);
        return record;
    }

    // The visible server, or undefined when unknown or gone.
    get(id: string, now: Date, projectId?: string): SimServer | undefined {
        const record = this.records.get(id);
        if (!record || (projectId !== undefined && record.projectId !== projectId)) {
            return undefined;
        }

        return view(record, now) ?? undefined;
    }

    // Nova accepts a DELETE again while one is in progress; the first one sets the clock.
    delete(id: string, now: Date, delayMs: number): boolean {
        const record = this.records.get(id);
        if (!record || !view(record, now)) {
            return false;
        }

        if (!record.deletingAt) {
            record.deletingAt = now;
            record.goneAt = new Date(now.getTime() + delayMs);
        }

        return true;
    }

    setStatus(id: string, status: ServerStatus, now: Date): boolean {
        const record = this.records.get(id);
        if (!record || !view(record, now)) {
            return false;
        }

        record.fixed = { status, at: now };
        return true;
    }

    list(now: Date, projectId?: string): SimServer[] {
        return this.sorted(projectId).map((r) => view(r, now)).filter((s): s is SimServer => s !== null);
    }

    // Nova's order: created_at desc, then id desc. A marker may be a deleted server;
    // null when the marker is not one of the project's servers at all.
    page(now: Date, projectId: string, query: PageQuery): SimServer[] | null {
        let records = this.sorted(projectId);
        if (query.marker !== undefined) {
            const at = records.findIndex((r) => r.id === query.marker);
            if (at < 0) {
                return null;
            }

            records = records.slice(at + 1);
        }

        const page: SimServer[] = [];
        for (const record of records) {
            if (page.length >= query.limit) {
                break;
            }

            const server = view(record, now);
            if (server && query.filter(server)) {
                page.push(server);
            }
        }

        return page;
    }

    private sorted(projectId?: string): ServerRecord[] {
        return [...(projectId === undefined ? this.records : this.byProject.get(projectId) ?? new Map<string, ServerRecord>()).values()]
            .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)); // ids are unique
    }
}

export const view = (record: ServerRecord, now: Date): SimServer | null => {
    if (record.goneAt && now.getTime() >= record.goneAt.getTime()) {
        return null;
    }

    // A server being deleted stops progressing: its status is the one it had then.
    const t = record.deletingAt && record.deletingAt.getTime() < now.getTime() ? record.deletingAt : now;
    let status: ServerStatus;
    let updated: Date;
    if (record.fixed) {
        status = record.fixed.status;
        updated = record.fixed.at;
    }
    else if (t.getTime() < record.readyAt.getTime()) {
        status = 'BUILD';
        updated = record.createdAt;
    }
    else {
        status = 'ACTIVE';
        updated = record.readyAt;
    }

    const taskState = record.deletingAt ? 'deleting' : status === 'BUILD' ? 'spawning' : null;
    return {
        id: record.id,
        name: record.name,
        projectId: record.projectId,
        userId: record.userId,
        metadata: { ...record.metadata },
        status,
        taskState,
        vmState: VM_STATES[status],
        powerState: POWER_STATES[status],
        imageId: record.imageId,
        flavorId: record.flavorId,
        keyName: record.keyName,
        userData: record.userData,
        networks: record.networks,
        addresses: record.addresses,
        created: record.createdAt,
        updated: record.deletingAt ?? updated
    };
};
