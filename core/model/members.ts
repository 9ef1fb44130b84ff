// A server's members stage (docs/workflows.md, "The members stage, step by
// step"): its progress as the ledger keeps it (server_workflows.detail), so a
// restart or kill -9 resumes it where it stood.
import { isRecord } from './json';
import type { MemberTarget, PoolTarget } from './load-balancer';

// A pool target once its subnet's CIDR is known (asked once, like a load balancer's pools).
export type StageTarget = MemberTarget | (PoolTarget & { readonly cidr?: string });

// One member of ours: written before its create is sent, then with the id
// Octavia gave; only ids in these records are ever changed or deleted.
export interface MemberRecord {
    readonly poolId: string;
    readonly port: number;
    readonly address: string;
    readonly name: string;
    readonly id: string | null;            // null: a create was sent and its answer not read (found again by address, port and name)
    readonly status: string | null;        // Octavia's provisioning status, as last seen
    readonly drained?: boolean;            // terminate: its weight is 0
    readonly deleted?: boolean;            // terminate: its delete was accepted
}

export interface MembersDetail {
    readonly targets: readonly StageTarget[];   // the launch configuration's, as they were when the server joined
    readonly drainingTimeoutS: number;
    readonly members: readonly MemberRecord[];
    readonly drainFrom?: string;                // terminate: when the last weight 0 was set (ISO)
    readonly refused?: string;                  // why the stage ends abandon (a pool gone, a member refused)
}

export const joinDetail = (targets: readonly MemberTarget[], drainingTimeoutS: number): MembersDetail =>
    ({ targets: [...targets], drainingTimeoutS, members: [] });

// The terminate stage starts from the members the launch made, whatever became of the launch.
export const leavingDetail = (launch: MembersDetail): MembersDetail =>
    ({ targets: launch.targets, drainingTimeoutS: launch.drainingTimeoutS, members: launch.members.map((m) => ({ ...m, drained: false, deleted: false })) });

const text = (raw: Record<string, unknown>, key: string): string | undefined => (typeof raw[key] === 'string' ? raw[key] : undefined);
const count = (raw: Record<string, unknown>, key: string): number | undefined => (typeof raw[key] === 'number' ? raw[key] : undefined);

const targetOf = (raw: unknown): StageTarget[] => {
    if (!isRecord(raw) || count(raw, 'port') === undefined) {
        return [];
    }

    const port = raw.port as number;
    const loadBalancerId = text(raw, 'loadBalancerId');
    const poolId = text(raw, 'poolId');
    if (loadBalancerId !== undefined) {
        return [{ loadBalancerId, port }];
    }

    if (poolId === undefined) {
        return [];
    }

    const subnetId = text(raw, 'subnetId');
    const weight = count(raw, 'weight');
    const cidr = text(raw, 'cidr');
    return [{ poolId, port, ...(subnetId === undefined ? {} : { subnetId }), ...(weight === undefined ? {} : { weight }), ...(cidr === undefined ? {} : { cidr }) }];
};

const recordOf = (raw: unknown): MemberRecord[] => {
    if (!isRecord(raw)) {
        return [];
    }

    const [poolId, address, name, port] = [text(raw, 'poolId'), text(raw, 'address'), text(raw, 'name'), count(raw, 'port')];
    if (poolId === undefined || address === undefined || name === undefined || port === undefined) {
        return [];
    }

    return [{
        poolId, port, address, name, id: text(raw, 'id') ?? null, status: text(raw, 'status') ?? null,
        ...(raw.drained === true ? { drained: true } : {}), ...(raw.deleted === true ? { deleted: true } : {})
    }];
};

// A stored detail as the step reads it; what is not one (a hand-edited row) is an empty stage.
export const membersDetailOf = (raw: unknown): MembersDetail => {
    const detail = isRecord(raw) ? raw : {};
    const drainFrom = text(detail, 'drainFrom');
    const refused = text(detail, 'refused');
    return {
        targets: Array.isArray(detail.targets) ? detail.targets.flatMap(targetOf) : [],
        drainingTimeoutS: count(detail, 'drainingTimeoutS') ?? 0,
        members: Array.isArray(detail.members) ? detail.members.flatMap(recordOf) : [],
        ...(drainFrom === undefined ? {} : { drainFrom }),
        ...(refused === undefined ? {} : { refused })
    };
};
