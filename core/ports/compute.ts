// The compute port: Nova as the converger needs it, spoken as the service
// account scoped to the group's tenant project (contract §2). Adapters throw
// ComputeError (core/model/server.ts); nothing else escapes.
import type { GroupId } from '../model/ids';
import type { NovaServer } from '../model/server';

// Where a group's servers live: its tenant's project, in a region.
export interface ComputeScope {
    readonly projectId: string;
    readonly region: string | null;
    // The group the call is made for, when it is one group's (the operator's log names it).
    readonly groupId?: GroupId | undefined;
}

export interface Compute {
    // `server` is the launch configuration's args.server with our name and metadata added.
    createServer(scope: ComputeScope, server: Readonly<Record<string, unknown>>): Promise<{ readonly id: string }>;
    // Every page (limit + marker), or a ComputeError: never a partial list.
    listServers(scope: ComputeScope): Promise<readonly NovaServer[]>;
    // 'gone' when Nova answers 404: the server is already deleted.
    deleteServer(scope: ComputeScope, serverId: string): Promise<'deleting' | 'gone'>;
    // Where the scope's servers are reached (the catalog's compute URL, as
    // `https://host/compute/v2.1`), for their links in a group's state; null
    // when this Compute cannot say. Optional: a Compute without it shows no links.
    endpoint?(scope: ComputeScope): Promise<string | null>;
}
