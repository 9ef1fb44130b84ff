// A plugin instance of the cluster (contract §9): one process with the
// plugin mounted, on one of the hosts that share the PostgreSQL.
import type { InstanceId } from './ids';

// Who it is, from the host: a fresh random id per process, its host name and pid.
export interface InstanceIdentity {
    readonly id: InstanceId;
    readonly host: string;
    readonly pid: number;
}

// As GET /admin/instances lists it; leases: the group convergence leases it holds now.
export interface Instance extends InstanceIdentity {
    readonly startedAt: Date;
    readonly lastSeenAt: Date;
    readonly leases: number;
}
