// In-memory stand-ins for the converger's two ports, for pure tests of
// core/converge/run.ts, apply.ts and sweep.ts: a ConvergenceStore that keeps
// groups, ledgers and activity in maps (the same rules as adapters/store/, in
// miniature), and a Compute that keeps servers per project and fails on cue.
// Both record what they were asked, in order.
import type { GroupHold } from '../../core/ports/convergence';
import type { ActivityInput } from '../../core/model/activity';
import { ComputeError, type NovaServer } from '../../core/model/server';
import { LeaseGeneration, type GroupId } from '../../core/model/ids';
import type { IntentState, LedgerEntry, WorkflowProgress } from '../../core/model/ledger';
import type { DeleteReason } from '../../core/model/activity';
import type { PlannedLeave } from '../../core/converge/plan';
import type { Clock } from '../../core/ports/clock';
import type { Compute, ComputeScope } from '../../core/ports/compute';
import type { ConvergenceSnapshot, ConvergenceStore, Join, LockedBuildFailures, MembersFinish, MembersWrite, Observation } from '../../core/ports/convergence';
import { leavingDetail, type MembersDetail } from '../../core/model/members';
import { afterStage, type WorkflowStage } from '../../core/model/workflow';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class TestClock implements Clock {
    constructor(public at: Date = new Date('2030-01-01T12:00:00Z')) {}

    now(): Date {
        return new Date(this.at.getTime());
    }

    advance(ms: number): void {
        this.at = new Date(this.at.getTime() + ms);
    }
}

// A ledger entry's fields, loose as a row is; ledgerEntry() reads it as the store does.
export interface EntryFields {
    intentId: string;
    serverId: string | null;
    state: IntentState;
    createdAt: Date;
    leaves?: boolean;
    workflow?: WorkflowProgress;
    leaveReason?: DeleteReason;
}

export const ledgerEntry = (f: EntryFields): LedgerEntry => {
    const base = { intentId: f.intentId, serverId: f.serverId, createdAt: f.createdAt };
    const workflow = f.workflow ?? { outcome: 'running' as const, reason: null };
    switch (f.state) {
        case 'joining':
            return { ...base, state: f.state, workflow, leaves: f.leaves ?? false };
        case 'leaving':
            return { ...base, state: f.state, workflow, leaveReason: f.leaveReason ?? 'scale_down' };
        default:
            return { ...base, state: f.state, ...(f.leaves === undefined ? {} : { leaves: f.leaves }) };
    }
};

export type FakeGroup = Mutable<Omit<ConvergenceSnapshot, 'ledger'>> & { ledger: EntryFields[] };

export class FakeConvergenceStore implements ConvergenceStore {
    readonly groups = new Map<string, FakeGroup>();
    readonly activity: { groupId: string; row: ActivityInput }[] = [];
    readonly calls: string[] = [];
    readonly retired: { intentId: string; reason: string }[] = [];
    leaseAnswers: (LeaseGeneration | null)[] = [];   // claimLease answers these in turn, then `generation`
    generation = LeaseGeneration(1);                 // the lease's: writeIntents and markDeleting are fenced by it
    scaleUp = { wanting: 0, total: 0 };
    private nextIntent = 1;
    private readonly thenStages = new Map<string, readonly WorkflowStage[]>();
    private readonly launchDetails = new Map<string, MembersDetail>();

    constructor(private readonly clock: Clock) {}

    addGroup(group: Partial<FakeGroup> & Pick<FakeGroup, 'groupId'>): FakeGroup {
        const full: FakeGroup = {
            tenantId: 't1' as FakeGroup['tenantId'], desired: 0, maxEntities: 10, paused: false, status: 'ACTIVE', launchServer: { name: 'web' },
            workflow: { type: 'builtin' }, loadBalancers: [], drainingTimeoutS: 0, memberStages: [],
            ledger: [], orphans: [], killSwitches: [], buildFailures: 0, createsNotBefore: null, ...group
        };
        this.groups.set(full.groupId, full);
        return full;
    }

    rows(groupId?: string): ActivityInput[] {
        return this.activity.filter((a) => groupId === undefined || a.groupId === groupId).map((a) => a.row);
    }

    private group(groupId: string): FakeGroup {
        const group = this.groups.get(groupId);
        if (!group) {
            throw new Error(`no group ${groupId}`);
        }

        return group;
    }

    private entry(intentId: string): { group: FakeGroup; entry: EntryFields } | null {
        for (const group of this.groups.values()) {
            const entry = group.ledger.find((e) => e.intentId === intentId);
            if (entry) {
                return { group, entry };
            }
        }

        return null;
    }

    private record(groupId: string, rows: readonly ActivityInput[]): void {
        this.activity.push(...rows.map((row) => ({ groupId, row })));
    }

    claimLease(groupId: GroupId): Promise<LeaseGeneration | null> {
        this.calls.push(`claimLease ${groupId}`);
        const answer = this.leaseAnswers.shift();
        return Promise.resolve(answer === undefined ? this.generation : answer);
    }

    releaseLease(groupId: GroupId): Promise<void> {
        this.calls.push(`releaseLease ${groupId}`);
        return Promise.resolve();
    }

    lapsedLeases(): Promise<readonly GroupId[]> {
        throw new Error('not used by core/converge');
    }

    watchGroup(): Promise<void> {
        throw new Error('not used by core/converge');
    }

    adoptOrphanedWatches(): Promise<readonly GroupId[]> {
        throw new Error('not used by core/converge');
    }

    groupsToConverge(): Promise<readonly GroupId[]> {
        throw new Error('not used by core/');
    }

    readConvergence(groupId: GroupId): Promise<ConvergenceSnapshot | null> {
        this.calls.push(`readConvergence ${groupId}`);
        const group = this.groups.get(groupId);
        return Promise.resolve(group ? { ...group, ledger: group.ledger.filter((e) => e.state !== 'gone').map(ledgerEntry) } : null);
    }

    sweepPage(): Promise<readonly ConvergenceSnapshot[]> {
        throw new Error('not used by core/');
    }

    groupHold(groupId: GroupId): Promise<GroupHold | null> {
        this.calls.push(`groupHold ${groupId}`);
        const group = this.groups.get(groupId);
        return Promise.resolve(group ? { desired: group.desired, paused: group.paused, killSwitches: group.killSwitches } : null);
    }

    recordObservation(groupId: GroupId, o: Observation): Promise<void> {
        this.calls.push(`recordObservation ${groupId}`);
        const group = this.group(groupId);
        for (const adopt of o.adopts) {
            const found = group.ledger.find((e) => e.intentId === adopt.intentId && e.serverId === null);
            if (found) {
                Object.assign(found, { serverId: adopt.serverId, state: 'building' });
            }
        }

        for (const retire of o.retires) {
            this.retireIntentNow(retire.intentId, retire.reason);
        }

        for (const { intentId, state } of o.states) {
            const found = group.ledger.find((e) => e.intentId === intentId);
            if (found) {
                found.state = state;
            }
        }

        if (o.orphans !== null) {
            group.orphans = [...o.orphans];
        }

        this.record(groupId, o.activity);
        return Promise.resolve();
    }

    writeIntents(groupId: GroupId, count: number, generation: LeaseGeneration): Promise<readonly LedgerEntry[] | null> {
        this.calls.push(`writeIntents ${groupId} ${count}`);
        if (generation !== this.generation) {
            return Promise.resolve(null);
        }

        const entries = Array.from({ length: count }, () => ({
            intentId: `0000000${this.nextIntent++}-0000-4000-8000-000000000000`.slice(-36), serverId: null, state: 'intent' as const, createdAt: this.clock.now()
        }));
        this.group(groupId).ledger.push(...entries);
        return Promise.resolve(entries.map(ledgerEntry));
    }

    setServerIds(created: readonly { readonly intentId: string; readonly serverId: string }[]): Promise<void> {
        this.calls.push(`setServerIds ${created.map((c) => `${c.intentId}:${c.serverId}`).join(',')}`);
        for (const { intentId, serverId } of created) {
            const found = this.entry(intentId)?.entry;
            if (found && found.serverId === null && found.state !== 'gone') {
                Object.assign(found, { serverId, state: 'building' });
            }
        }

        return Promise.resolve();
    }

    private retireIntentNow(intentId: string, reason: string): void {
        this.retired.push({ intentId, reason });
        const found = this.entry(intentId);
        if (found) {
            found.group.ledger = found.group.ledger.filter((e) => e !== found.entry);
        }
    }

    retireIntent(intentId: string, reason: string): Promise<void> {
        this.calls.push(`retireIntent ${intentId} ${reason}`);
        this.retireIntentNow(intentId, reason);
        return Promise.resolve();
    }

    markDeleting(_groupId: GroupId, deletes: readonly { readonly intentId: string; readonly reason: string }[], generation: LeaseGeneration): Promise<boolean> {
        this.calls.push(`markDeleting ${deletes.map((d) => d.intentId).join(',')}`);
        if (generation !== this.generation) {
            return Promise.resolve(false);
        }

        for (const d of deletes) {
            const found = this.entry(d.intentId)?.entry;
            if (found) {
                found.state = 'deleting';
            }
        }

        return Promise.resolve(true);
    }

    recordActivity(groupId: GroupId, rows: readonly ActivityInput[]): Promise<void> {
        this.calls.push(`recordActivity ${groupId} ${rows.length}`);
        this.record(groupId, rows);
        return Promise.resolve();
    }

    setGroupError(groupId: GroupId, message: string | null, row: ActivityInput): Promise<boolean> {
        this.calls.push(`setGroupError ${groupId} ${message}`);
        const group = this.group(groupId);
        const next = message === null ? 'ACTIVE' : 'ERROR';
        if (group.status === 'DELETING' || group.status === next) {
            return Promise.resolve(false);
        }

        group.status = next;
        this.record(groupId, [row]);
        return Promise.resolve(true);
    }

    withBuildFailures<T>(groupId: GroupId, work: (locked: LockedBuildFailures) => Promise<T>): Promise<T> {
        const group = this.group(groupId);
        return work({
            failures: group.buildFailures,
            write: (failures, notBefore, activity) => {
                this.calls.push(`recordBuildFailures ${groupId} ${failures - group.buildFailures}`);
                group.buildFailures = failures;
                group.createsNotBefore = notBefore;
                this.record(groupId, [activity]);
                return Promise.resolve();
            }
        });
    }

    paceCreates(groupId: GroupId, until: Date, row: ActivityInput): Promise<void> {
        this.calls.push(`paceCreates ${groupId} ${until.toISOString()}`);
        const group = this.group(groupId);
        if (group.createsNotBefore === null || group.createsNotBefore.getTime() < until.getTime()) {
            group.createsNotBefore = until;
        }

        this.record(groupId, [row]);
        return Promise.resolve();
    }

    scaleUpCounts(): Promise<{ readonly wanting: number; readonly total: number }> {
        this.calls.push('scaleUpCounts');
        return Promise.resolve(this.scaleUp);
    }

    joinServers(groupId: GroupId, joins: readonly Join[], rows: readonly ActivityInput[]): Promise<void> {
        this.calls.push(`joinServers ${groupId} ${joins.map((j) => `${j.intentId}:${j.launch.join('+')}/${j.terminate.join('+')}`).join(',')}`);
        for (const join of joins) {
            const found = this.entry(join.intentId);
            if (found && (found.entry.state === 'intent' || found.entry.state === 'building')) {
                Object.assign(found.entry, { state: join.launch.length > 0 ? 'joining' : 'active', leaves: join.terminate.length > 0, workflow: { outcome: 'running', reason: null } });
                this.thenStages.set(join.intentId, join.terminate);
                if (join.launch[0] === 'members' && join.members !== null && found.entry.serverId !== null) {
                    found.group.memberStages = [...found.group.memberStages,
                        { intentId: join.intentId, serverId: found.entry.serverId, event: 'launch', stageIndex: 0, last: join.launch.length === 1, detail: join.members }];
                }
            }
        }

        this.record(groupId, rows);
        return Promise.resolve();
    }

    leaveServers(groupId: GroupId, leaves: readonly PlannedLeave[], rows: readonly ActivityInput[]): Promise<void> {
        this.calls.push(`leaveServers ${groupId} ${leaves.map((l) => `${l.intentId}:${l.reason}`).join(',')}`);
        for (const leave of leaves) {
            const found = this.entry(leave.intentId)?.entry;
            if (found && (found.state === 'joining' || found.state === 'active')) {
                Object.assign(found, { state: 'leaving', leaveReason: leave.reason, workflow: { outcome: 'running', reason: null } });
                const group = this.groups.get(groupId);
                const launch = group?.memberStages.find((m) => m.intentId === leave.intentId && m.event === 'launch');
                const terminate = this.thenStages.get(leave.intentId) ?? [];
                if (group) {
                    group.memberStages = group.memberStages.filter((m) => m.intentId !== leave.intentId);
                    if (terminate[0] === 'members' && found.serverId !== null) {
                        const detail = leavingDetail(launch?.detail ?? this.launchDetails.get(leave.intentId) ?? { targets: [], drainingTimeoutS: 0, members: [] });
                        group.memberStages = [...group.memberStages, { intentId: leave.intentId, serverId: found.serverId, event: 'terminate', stageIndex: 0, last: terminate.length === 1, detail }];
                    }
                }
            }
        }

        this.record(groupId, rows);
        return Promise.resolve();
    }

    writeMembersDetails(groupId: GroupId, writes: readonly MembersWrite[]): Promise<readonly boolean[]> {
        return Promise.resolve(writes.map(({ stage, detail, activity }) => {
            this.calls.push(`writeMembersDetail ${stage.intentId} ${stage.event} ${detail.members.map((m) => `${m.poolId}:${m.id ?? '?'}:${m.status ?? '-'}`).join(',')}`);
            const group = this.groups.get(groupId);
            const found = group?.memberStages.find((m) => m.intentId === stage.intentId && m.event === stage.event && m.stageIndex === stage.stageIndex);
            if (!group || !found) {
                return false;
            }

            group.memberStages = group.memberStages.map((m) => (m === found ? { ...m, detail } : m));
            this.record(groupId, activity);
            return true;
        }));
    }

    // As adapters/store/workflows.ts finishStages does, in miniature (a members stage is the last here, or followed by none the fake runs).
    finishMembersStages(finishes: readonly MembersFinish[]): Promise<readonly boolean[]> {
        return Promise.resolve(finishes.map(({ end, detail, activity }) => {
            this.calls.push(`finishMembersStage ${end.intentId} ${end.event} ${end.result}${end.reason === null ? '' : ` ${end.reason}`}`);
            const found = this.entry(end.intentId);
            const stage = found?.group.memberStages.find((m) => m.intentId === end.intentId && m.event === end.event && m.stageIndex === end.stageIndex);
            if (!found || !stage) {
                return false;
            }

            found.group.memberStages = found.group.memberStages.filter((m) => m !== stage);
            if (end.event === 'launch') {
                this.launchDetails.set(end.intentId, detail);
            }

            const after = afterStage(end.event, end.stageIndex, stage.last, end.result);
            if (after.kind === 'end') {
                this.endWorkflow(end.intentId, { outcome: end.result, reason: end.reason });
            }

            this.record(found.group.groupId, activity);
            return true;
        }));
    }

    // A workflow's end, as the runner writes it (adapters/store/workflows.ts finishStage).
    endWorkflow(intentId: string, workflow: WorkflowProgress): void {
        const found = this.entry(intentId)?.entry;
        if (found) {
            found.workflow = workflow;
            if (found.state === 'joining' && workflow.outcome === 'continue') {
                found.state = 'active';
            }
        }
    }

    finishGroupDeletion(groupId: GroupId): Promise<boolean> {
        this.calls.push(`finishGroupDeletion ${groupId}`);
        const group = this.group(groupId);
        if (group.status !== 'DELETING' || group.ledger.some((e) => e.state !== 'gone')) {
            return Promise.resolve(false);
        }

        this.groups.delete(groupId);
        return Promise.resolve(true);
    }
}

type Method = 'createServer' | 'listServers' | 'deleteServer';

// Nova in miniature: a create lands in BUILD (or `createStatus`), a delete
// takes the server away at once. failNext(method, ...) makes the next calls
// of that method throw, in turn; `delayMs` makes every call wait a macrotask
// turn that long (to see how many are in flight at once).
export class FakeCompute implements Compute {
    readonly servers = new Map<string, NovaServer[]>();
    readonly calls: string[] = [];
    createStatus = 'BUILD';
    inFlight = 0;
    maxInFlight = 0;
    private readonly failures = new Map<Method, Error[]>();
    private nextServer = 1;

    constructor(private readonly clock: Clock, private readonly delayMs = 0) {}

    failNext(method: Method, ...errors: Error[]): void {
        this.failures.set(method, [...(this.failures.get(method) ?? []), ...errors]);
    }

    add(projectId: string, server: Partial<NovaServer> & Pick<NovaServer, 'id'>): NovaServer {
        const full: NovaServer = { name: server.id, status: 'ACTIVE', taskState: null, addresses: [], metadata: {}, created: this.clock.now(), ...server };
        this.servers.set(projectId, [...(this.servers.get(projectId) ?? []), full]);
        return full;
    }

    private async call<T>(method: Method, scope: ComputeScope, detail: string, answer: () => T): Promise<T> {
        this.calls.push(`${method} ${scope.projectId}${detail}`);
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        try {
            if (this.delayMs > 0) {
                await new Promise((resolve) => setTimeout(resolve, this.delayMs));
            }

            const failure = this.failures.get(method)?.shift();
            if (failure) {
                throw failure;
            }

            return answer();
        }
        finally {
            this.inFlight--;
        }
    }

    createServer(scope: ComputeScope, server: Readonly<Record<string, unknown>>): Promise<{ readonly id: string }> {
        return this.call('createServer', scope, '', () => {
            const id = `s${this.nextServer++}`;
            this.add(scope.projectId, { id, name: String(server.name), status: this.createStatus, metadata: server.metadata as Record<string, string> });
            return { id };
        });
    }

    listServers(scope: ComputeScope): Promise<readonly NovaServer[]> {
        return this.call('listServers', scope, '', () => [...(this.servers.get(scope.projectId) ?? [])]);
    }

    showServer(scope: ComputeScope, serverId: string): Promise<NovaServer | null> {
        return Promise.resolve(this.servers.get(scope.projectId)?.find((s) => s.id === serverId) ?? null);
    }

    deleteServer(scope: ComputeScope, serverId: string): Promise<'deleting' | 'gone'> {
        return this.call('deleteServer', scope, ` ${serverId}`, () => {
            const servers = this.servers.get(scope.projectId) ?? [];
            if (!servers.some((s) => s.id === serverId)) {
                return 'gone' as const;
            }

            this.servers.set(scope.projectId, servers.filter((s) => s.id !== serverId));
            return 'deleting' as const;
        });
    }
}

export const computeError = (kind: ComputeError['kind'], retryAfterS: number | null = null): ComputeError =>
    new ComputeError(kind, `Nova said ${kind}`, null, retryAfterS);
