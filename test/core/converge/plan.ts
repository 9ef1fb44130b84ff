// The planner, rule by rule and pair by pair.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type { IntentState, LedgerEntry } from '../../../core/model/ledger';
import type { DeleteReason, WorkflowFailureReason } from '../../../core/model/activity';
import { ledgerEntry } from '../../support/fake-convergence';
import { applyGates, planConvergence, type OrphanReport, type PlanInput, type PlanOutcome } from '../../../core/converge/plan';
import type { NovaServer } from '../../../core/model/server';
import type { HoldReason } from '../../../core/model/activity';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const now = new Date('2030-01-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const group = 'g1';
const old = 3600;   // a long-settled server's age, in seconds

const entry = (intentId: string, serverId: string | null, ageS = old, state: IntentState = serverId ? 'active' : 'intent'): LedgerEntry =>
    ledgerEntry({ intentId, serverId, state, createdAt: ago(ageS) });

interface ServerOptions {
    readonly intent?: string | null;   // null: no intent id in the metadata
    readonly group?: string | null;    // null: no group id in the metadata
    readonly task?: string | null;
    readonly ageS?: number;
}

const server = (id: string, status = 'ACTIVE', o: ServerOptions = {}): NovaServer => {
    const metadata: Record<string, string> = {};
    const groupId = o.group === undefined ? group : o.group;
    if (groupId !== null) {
        metadata['autoscale:group_id'] = groupId;
    }

    if (o.intent) {
        metadata['autoscale:intent_id'] = o.intent;
    }

    return { id, name: `web-as${id.padStart(8, '0')}`, status, taskState: o.task ?? null, addresses: [], metadata, created: ago(o.ageS ?? old) };
};

// A server the ledger tracks: intent `i<n>` for server `s<n>`.
interface Tracked {
    readonly entry: LedgerEntry;
    readonly server: NovaServer;
}

const tracked = (n: number, status = 'ACTIVE', ageS = old, o: { state?: IntentState; task?: string; group?: string | null } = {}): Tracked => ({
    entry: entry(`i${n}`, `s${n}`, ageS, o.state ?? 'active'),
    server: server(`s${n}`, status, { intent: `i${n}`, ageS, task: o.task ?? null, group: o.group })
});

const actives = (...ns: number[]) => ns.map((n) => tracked(n));

// A server in a workflow (docs/workflows.md): joining or in service with a
// terminate workflow to leave through, leaving, or its workflow ended.
const inWorkflow = (n: number, state: 'joining' | 'active' | 'leaving', o: { status?: string; ageS?: number; outcome?: 'running' | 'continue' | 'abandon'; reason?: WorkflowFailureReason; leaves?: boolean; leaveReason?: DeleteReason } = {}): Tracked => ({
    entry: ledgerEntry({
        intentId: `i${n}`, serverId: `s${n}`, state, createdAt: ago(o.ageS ?? old), leaves: o.leaves ?? true,
        workflow: { outcome: o.outcome ?? 'running', reason: o.reason ?? null }, ...(o.leaveReason ? { leaveReason: o.leaveReason } : {})
    }),
    server: server(`s${n}`, o.status ?? 'ACTIVE', { intent: `i${n}`, ageS: o.ageS ?? old })
});

type Counts = [active: number, pending: number, failed: number, going: number, orphans: number];

interface Case {
    readonly name: string;
    readonly desired?: number;                // default 3
    readonly max?: number;                    // default 10
    readonly tracked?: readonly Tracked[];
    readonly ledger?: readonly LedgerEntry[];
    readonly servers?: readonly NovaServer[];
    readonly unknown?: boolean;
    readonly paused?: boolean;
    readonly killSwitch?: PlanInput['killSwitch'];
    readonly knownOrphans?: readonly OrphanReport[];
    readonly orphanGraceS?: number;
    readonly joins?: boolean;                 // the group's workflow has launch stages
    readonly expect: {
        readonly outcome: PlanOutcome;
        readonly create?: number;
        readonly deletes?: readonly string[];   // 'serverId:reason', in plan order
        readonly adopts?: readonly string[];    // 'intentId>serverId'
        readonly retires?: readonly string[];   // 'intentId:reason'
        readonly leaves?: readonly string[];    // 'serverId:reason'
        readonly joins?: readonly string[];     // intent ids
        readonly holds?: readonly HoldReason[];
        readonly counts: Counts | null;
        readonly orphans?: readonly string[];   // 'serverId@seconds ago'
    };
}

const cases: Case[] = [
    // converged, and the plain moves
    { name: 'a converged group gives an empty plan', tracked: actives(1, 2, 3), expect: { outcome: 'done', counts: [3, 0, 0, 0, 0] } },
    { name: 'an empty group at desired 0 is converged', desired: 0, expect: { outcome: 'done', counts: [0, 0, 0, 0, 0] } },
    { name: 'scale up from nothing', expect: { outcome: 'act', create: 3, counts: [0, 0, 0, 0, 0] } },
    { name: 'scale up by the difference', tracked: actives(1, 2), expect: { outcome: 'act', create: 1, counts: [2, 0, 0, 0, 0] } },
    { name: 'desired above max creates up to max only', desired: 20, max: 5, tracked: actives(1, 2), expect: { outcome: 'act', create: 3, counts: [2, 0, 0, 0, 0] } },
    { name: 'negative desired is taken as 0', desired: -1, tracked: actives(1), expect: { outcome: 'act', deletes: ['s1:scale_down'], counts: [1, 0, 0, 0, 0] } },

    // failed servers: deleted and replaced
    { name: 'ERROR is deleted and replaced', tracked: [...actives(1, 2), tracked(3, 'ERROR')], expect: { outcome: 'act', create: 1, deletes: ['s3:error'], counts: [2, 0, 1, 0, 0] } },
    { name: 'SHUTOFF is deleted and replaced', tracked: [...actives(1, 2), tracked(3, 'SHUTOFF')], expect: { outcome: 'act', create: 1, deletes: ['s3:shutoff'], counts: [2, 0, 1, 0, 0] } },
    { name: 'DELETED is deleted and replaced', tracked: [...actives(1, 2), tracked(3, 'DELETED')], expect: { outcome: 'act', create: 1, deletes: ['s3:deleted_state'], counts: [2, 0, 1, 0, 0] } },
    { name: 'SOFT_DELETED counts as deleted', tracked: [...actives(1, 2), tracked(3, 'SOFT_DELETED')], expect: { outcome: 'act', create: 1, deletes: ['s3:deleted_state'], counts: [2, 0, 1, 0, 0] } },
    { name: 'status is read case-insensitively', tracked: [...actives(1, 2), tracked(3, 'error')], expect: { outcome: 'act', create: 1, deletes: ['s3:error'], counts: [2, 0, 1, 0, 0] } },
    { name: 'two failures: both deleted, both replaced', tracked: [tracked(1), tracked(2, 'ERROR'), tracked(3, 'SHUTOFF')], expect: { outcome: 'act', create: 2, deletes: ['s2:error', 's3:shutoff'], counts: [1, 0, 2, 0, 0] } },
    { name: 'PAUSED, SHELVED, REBOOT, UNKNOWN occupy capacity: counted active, never replaced', desired: 4, tracked: [tracked(1, 'PAUSED'), tracked(2, 'SHELVED_OFFLOADED'), tracked(3, 'REBOOT'), tracked(4, 'UNKNOWN')], expect: { outcome: 'done', counts: [4, 0, 0, 0, 0] } },

    // the build timeout, at the boundary
    { name: 'BUILD inside the timeout is pending', tracked: [...actives(1, 2), tracked(3, 'BUILD', 599)], expect: { outcome: 'wait', counts: [2, 1, 0, 0, 0] } },
    { name: 'BUILD at exactly the timeout is deleted and replaced', tracked: [...actives(1, 2), tracked(3, 'BUILD', 600)], expect: { outcome: 'act', create: 1, deletes: ['s3:build_timeout'], counts: [2, 0, 1, 0, 0] } },
    { name: 'BUILD past the timeout is deleted and replaced', tracked: [...actives(1, 2), tracked(3, 'BUILD', 601)], expect: { outcome: 'act', create: 1, deletes: ['s3:build_timeout'], counts: [2, 0, 1, 0, 0] } },
    { name: 'an intent inside the timeout counts as pending (its create may be in flight)', tracked: actives(1, 2), ledger: [entry('i4', null, 599)], expect: { outcome: 'wait', counts: [2, 1, 0, 0, 0] } },
    { name: 'an intent at exactly the timeout with no server is retired and replaced', tracked: actives(1, 2), ledger: [entry('i4', null, 600)], expect: { outcome: 'act', create: 1, retires: ['i4:create_lost'], counts: [2, 0, 0, 0, 0] } },

    // servers on their way out
    { name: "task_state 'deleting' counts as going: replaced below max", tracked: [...actives(1, 2), tracked(3, 'ACTIVE', old, { task: 'deleting' })], expect: { outcome: 'act', create: 1, counts: [2, 0, 0, 1, 0] } },
    { name: 'our delete under way: going, not sent again', desired: 2, tracked: [...actives(1, 2), tracked(3, 'ACTIVE', old, { state: 'deleting', task: 'deleting' })], expect: { outcome: 'wait', counts: [2, 0, 0, 1, 0] } },
    { name: 'our delete left no trace in Nova: sent again', desired: 2, tracked: [...actives(1, 2), tracked(3, 'ACTIVE', old, { state: 'deleting' })], expect: { outcome: 'act', deletes: ['s3:delete_unconfirmed'], counts: [2, 0, 0, 1, 0] } },
    { name: 'our delete shows as DELETED: going, not sent again', desired: 2, tracked: [...actives(1, 2), tracked(3, 'DELETED', old, { state: 'deleting' })], expect: { outcome: 'wait', counts: [2, 0, 0, 1, 0] } },
    { name: 'our delete done (no longer listed): retired', desired: 2, tracked: actives(1, 2), ledger: [entry('i3', 's3', old, 'deleting')], expect: { outcome: 'act', retires: ['i3:deleted'], counts: [2, 0, 0, 0, 0] } },
    { name: 'a deleting intent that never had a server is retired', desired: 2, tracked: actives(1, 2), ledger: [entry('i3', null, 60, 'deleting')], expect: { outcome: 'act', retires: ['i3:deleted'], counts: [2, 0, 0, 0, 0] } },
    { name: 'an out-of-band delete is retired and replaced', tracked: actives(1, 2), ledger: [entry('i3', 's3')], expect: { outcome: 'act', create: 1, retires: ['i3:vanished'], counts: [2, 0, 0, 0, 0] } },
    { name: 'gone intents are history: ignored', tracked: actives(1, 2, 3), ledger: [entry('i9', 's9', old, 'gone'), entry('i8', null, 60, 'gone')], expect: { outcome: 'done', counts: [3, 0, 0, 0, 0] } },

    // adoption of a create whose answer was lost
    { name: 'adopt by intent id: a building server', tracked: actives(1, 2), ledger: [entry('i4', null, 120)], servers: [server('s4', 'BUILD', { intent: 'i4', ageS: 110 })], expect: { outcome: 'act', adopts: ['i4>s4'], counts: [2, 1, 0, 0, 0] } },
    { name: 'adopt by intent id: an active server', tracked: actives(1, 2), ledger: [entry('i4', null, 500)], servers: [server('s4', 'ACTIVE', { intent: 'i4' })], expect: { outcome: 'act', adopts: ['i4>s4'], counts: [3, 0, 0, 0, 0] } },
    { name: 'adopt an ERROR server, then delete and replace it', tracked: actives(1, 2), ledger: [entry('i4', null, 120)], servers: [server('s4', 'ERROR', { intent: 'i4' })], expect: { outcome: 'act', create: 1, adopts: ['i4>s4'], deletes: ['s4:error'], counts: [2, 0, 1, 0, 0] } },
    { name: 'adopt a build past the timeout, then delete and replace it', tracked: actives(1, 2), ledger: [entry('i4', null, 700)], servers: [server('s4', 'BUILD', { intent: 'i4', ageS: 690 })], expect: { outcome: 'act', create: 1, adopts: ['i4>s4'], deletes: ['s4:build_timeout'], counts: [2, 0, 1, 0, 0] } },
    { name: 'an old intent whose server is found is adopted, not retired', tracked: actives(1, 2), ledger: [entry('i4', null, 5000)], servers: [server('s4', 'ACTIVE', { intent: 'i4' })], expect: { outcome: 'act', adopts: ['i4>s4'], counts: [3, 0, 0, 0, 0] } },
    { name: 'two servers with one intent id: the oldest is adopted, the other is an orphan', tracked: actives(1, 2), ledger: [entry('i4', null, 120)], servers: [server('s5', 'BUILD', { intent: 'i4', ageS: 60 }), server('s4', 'BUILD', { intent: 'i4', ageS: 100 })], expect: { outcome: 'act', adopts: ['i4>s4'], counts: [2, 1, 0, 0, 1], orphans: ['s5@0'] } },
    { name: 'a server the ledger holds by id is not adopted again by intent id', desired: 2, tracked: [{ entry: entry('i1', 's1'), server: server('s1', 'ACTIVE', { intent: 'i4' }) }], ledger: [entry('i4', null, 60)], expect: { outcome: 'wait', counts: [1, 1, 0, 0, 0] } },
    { name: "another group's server carrying our intent id is not adopted", desired: 1, ledger: [entry('i4', null, 60)], servers: [server('x4', 'ACTIVE', { intent: 'i4', group: 'g2' })], expect: { outcome: 'wait', counts: [0, 1, 0, 0, 0] } },
    { name: 'an untagged server carrying our intent id is not adopted', desired: 1, ledger: [entry('i4', null, 60)], servers: [server('x4', 'ACTIVE', { intent: 'i4', group: null })], expect: { outcome: 'wait', counts: [0, 1, 0, 0, 0] } },

    // scale-down order
    { name: 'scale down removes the newest active first', desired: 1, tracked: [tracked(1, 'ACTIVE', 3000), tracked(2, 'ACTIVE', 2000), tracked(3, 'ACTIVE', 1000)], expect: { outcome: 'act', deletes: ['s3:scale_down', 's2:scale_down'], counts: [3, 0, 0, 0, 0] } },
    { name: 'scale down removes building first, then the newest active, ties by the higher id', desired: 1, tracked: [...actives(1, 2), tracked(3, 'BUILD', 60), tracked(4, 'BUILD', 120)], expect: { outcome: 'act', deletes: ['s3:scale_down', 's4:scale_down', 's2:scale_down'], counts: [2, 2, 0, 0, 0] } },
    { name: 'scale down only the building surplus', desired: 2, tracked: [...actives(1, 2), tracked(3, 'BUILD', 60)], expect: { outcome: 'act', deletes: ['s3:scale_down'], counts: [2, 1, 0, 0, 0] } },
    { name: 'scale down to zero', desired: 0, tracked: [...actives(1), tracked(2, 'BUILD', 60)], expect: { outcome: 'act', deletes: ['s2:scale_down', 's1:scale_down'], counts: [1, 1, 0, 0, 0] } },
    { name: 'a create in flight does not push out a working server', desired: 2, tracked: actives(1, 2), ledger: [entry('i3', null, 60)], expect: { outcome: 'wait', counts: [2, 1, 0, 0, 0] } },
    { name: 'a surplus of working servers is removed even with a create in flight', desired: 2, tracked: [tracked(1, 'ACTIVE', 300), ...actives(2, 3)], ledger: [entry('i4', null, 60)], expect: { outcome: 'act', deletes: ['s1:scale_down'], counts: [3, 1, 0, 0, 0] } },
    { name: 'scale down with a failed server: the failure goes, plus the surplus', desired: 2, tracked: [...actives(1, 2, 3), tracked(4, 'ERROR')], expect: { outcome: 'act', deletes: ['s4:error', 's3:scale_down'], counts: [3, 0, 1, 0, 0] } },
    { name: 'going servers are not scaled down again', desired: 1, tracked: [...actives(1, 2), tracked(3, 'ACTIVE', 10, { task: 'deleting' })], expect: { outcome: 'act', deletes: ['s2:scale_down'], counts: [2, 0, 0, 1, 0] } },
    { name: 'max lowered below the actives: scaled down to max', desired: 5, max: 3, tracked: [tracked(1, 'ACTIVE', 500), tracked(2, 'ACTIVE', 400), ...actives(3, 4, 5)], expect: { outcome: 'act', deletes: ['s2:scale_down', 's1:scale_down'], counts: [5, 0, 0, 0, 0] } },

    // max, with failed and pending servers
    { name: 'at max a failed server is deleted, its replacement waits for it to go', desired: 3, max: 3, tracked: [...actives(1, 2), tracked(3, 'ERROR')], expect: { outcome: 'act', deletes: ['s3:error'], counts: [2, 0, 1, 0, 0] } },
    { name: 'at max the replacement still waits while the delete is under way', desired: 3, max: 3, tracked: [...actives(1, 2), tracked(3, 'ERROR', old, { state: 'deleting', task: 'deleting' })], expect: { outcome: 'wait', counts: [2, 0, 0, 1, 0] } },
    { name: 'at max the replacement comes once the failed server is gone', desired: 3, max: 3, tracked: actives(1, 2), ledger: [entry('i3', 's3', old, 'deleting')], expect: { outcome: 'act', create: 1, retires: ['i3:deleted'], counts: [2, 0, 0, 0, 0] } },
    { name: 'one below max: replaced now, up to max exactly', desired: 3, max: 4, tracked: [...actives(1, 2), tracked(3, 'ERROR')], expect: { outcome: 'act', create: 1, deletes: ['s3:error'], counts: [2, 0, 1, 0, 0] } },
    { name: 'pending builds count toward max', desired: 3, max: 3, tracked: [tracked(1), tracked(2, 'BUILD', 60), tracked(3, 'ERROR')], expect: { outcome: 'act', deletes: ['s3:error'], counts: [1, 1, 1, 0, 0] } },
    { name: 'a flapping build: failures and deletes under way cap the creates', desired: 4, max: 5, tracked: [...actives(1, 2), tracked(3, 'ERROR', old, { task: 'deleting' }), tracked(4, 'ERROR', old, { task: 'deleting' }), tracked(5, 'ERROR')], expect: { outcome: 'act', deletes: ['s5:error'], counts: [2, 0, 1, 2, 0] } },
    { name: 'in-flight intents count toward max', desired: 5, max: 3, tracked: actives(1), ledger: [entry('i2', null, 60), entry('i3', null, 30)], expect: { outcome: 'wait', counts: [1, 2, 0, 0, 0] } },

    // orphans
    { name: 'an orphan first seen is reported, not deleted, however old', tracked: actives(1, 2, 3), servers: [server('o1', 'ACTIVE', { ageS: 7200 })], expect: { outcome: 'wait', counts: [3, 0, 0, 0, 1], orphans: ['o1@0'] } },
    { name: 'an orphan inside its grace is kept', tracked: actives(1, 2, 3), servers: [server('o1', 'ACTIVE', { ageS: 7200 })], knownOrphans: [{ serverId: 'o1', since: ago(3599) }], expect: { outcome: 'wait', counts: [3, 0, 0, 0, 1], orphans: ['o1@3599'] } },
    { name: 'an orphan at exactly its grace is deleted', tracked: actives(1, 2, 3), servers: [server('o1', 'ACTIVE', { ageS: 7200 })], knownOrphans: [{ serverId: 'o1', since: ago(3600) }], expect: { outcome: 'act', deletes: ['o1:orphan'], counts: [3, 0, 0, 0, 1], orphans: ['o1@3600'] } },
    { name: 'the grace is configurable', orphanGraceS: 60, tracked: actives(1, 2, 3), servers: [server('o1', 'ACTIVE', { ageS: 7200 })], knownOrphans: [{ serverId: 'o1', since: ago(60) }], expect: { outcome: 'act', deletes: ['o1:orphan'], counts: [3, 0, 0, 0, 1], orphans: ['o1@60'] } },
    { name: 'an orphan is never seen before it was created', tracked: actives(1, 2, 3), servers: [server('o1', 'ACTIVE', { ageS: 100 })], knownOrphans: [{ serverId: 'o1', since: ago(7200) }], expect: { outcome: 'wait', counts: [3, 0, 0, 0, 1], orphans: ['o1@100'] } },
    { name: 'an orphan already being deleted is not deleted again', tracked: actives(1, 2, 3), servers: [server('o1', 'ACTIVE', { ageS: 7200, task: 'deleting' })], knownOrphans: [{ serverId: 'o1', since: ago(4000) }], expect: { outcome: 'wait', counts: [3, 0, 0, 0, 1], orphans: ['o1@4000'] } },
    { name: 'an unknown intent id makes an orphan', tracked: actives(1, 2, 3), servers: [server('o1', 'ERROR', { intent: 'nope' })], expect: { outcome: 'wait', counts: [3, 0, 0, 0, 1], orphans: ['o1@0'] } },
    { name: 'the server of a retired intent is an orphan', tracked: actives(1, 2, 3), ledger: [entry('i9', null, 5000, 'gone')], servers: [server('s9', 'ACTIVE', { intent: 'i9', ageS: 10 })], expect: { outcome: 'wait', counts: [3, 0, 0, 0, 1], orphans: ['s9@0'] } },
    { name: 'orphans are never counted: a create still fills desired', tracked: actives(1, 2), servers: [server('o1'), server('o2')], expect: { outcome: 'act', create: 1, counts: [2, 0, 0, 0, 2], orphans: ['o1@0', 'o2@0'] } },
    { name: 'orphans are never counted toward max either', desired: 3, max: 3, tracked: actives(1, 2), servers: [server('o1', 'ACTIVE', { ageS: 7200 })], knownOrphans: [{ serverId: 'o1', since: ago(4000) }], expect: { outcome: 'act', create: 1, deletes: ['o1:orphan'], counts: [2, 0, 0, 0, 1], orphans: ['o1@4000'] } },

    // foreign servers
    { name: 'servers without our metadata are never touched nor counted', desired: 0, servers: [server('f1', 'ERROR', { group: null }), server('f2', 'BUILD', { group: null, ageS: 99999 }), server('f3', 'ACTIVE', { group: null, intent: 'i1' })], expect: { outcome: 'done', counts: [0, 0, 0, 0, 0] } },
    { name: "another group's servers are never touched nor counted", desired: 0, servers: [server('x1', 'ERROR', { group: 'g2' }), server('x2', 'ACTIVE', { group: 'g2', intent: 'i1' })], expect: { outcome: 'done', counts: [0, 0, 0, 0, 0] } },
    { name: 'a ledger server whose metadata now names another group: retired, never deleted', tracked: [...actives(1, 2), tracked(3, 'ERROR', old, { group: 'g2' })], expect: { outcome: 'act', create: 1, retires: ['i3:disowned'], counts: [2, 0, 0, 0, 0] } },
    { name: 'a ledger server whose metadata was stripped: retired, never deleted', desired: 0, tracked: [tracked(1, 'ACTIVE', old, { group: null })], expect: { outcome: 'act', retires: ['i1:disowned'], counts: [0, 0, 0, 0, 0] } },

    // an unknown listing
    { name: 'unknown listing: only a hold', unknown: true, tracked: actives(1, 2), expect: { outcome: 'hold', holds: ['listing_unknown'], counts: null } },
    { name: 'unknown listing with failed servers: no delete, no replacement', unknown: true, tracked: [tracked(1, 'ERROR'), tracked(2, 'BUILD', 9999)], expect: { outcome: 'hold', holds: ['listing_unknown'], counts: null } },
    { name: 'unknown listing below desired: no create', unknown: true, desired: 5, tracked: actives(1), expect: { outcome: 'hold', holds: ['listing_unknown'], counts: null } },
    { name: 'unknown listing above desired: no scale-in', unknown: true, desired: 0, tracked: actives(1, 2), expect: { outcome: 'hold', holds: ['listing_unknown'], counts: null } },
    { name: 'unknown listing with an old intent: no retire', unknown: true, ledger: [entry('i1', null, 9999), entry('i2', 's2', old, 'deleting')], expect: { outcome: 'hold', holds: ['listing_unknown'], counts: null } },
    { name: 'unknown listing with an orphan due: no delete', unknown: true, knownOrphans: [{ serverId: 'o1', since: ago(9999) }], expect: { outcome: 'hold', holds: ['listing_unknown'], counts: null } },
    { name: 'unknown listing while paused: the listing hold', unknown: true, paused: true, expect: { outcome: 'hold', holds: ['listing_unknown'], counts: null } },

    // pause and kill-switch
    { name: 'paused: no create', paused: true, tracked: actives(1), expect: { outcome: 'hold', holds: ['paused'], counts: [1, 0, 0, 0, 0] } },
    { name: 'paused: no delete, no replacement', paused: true, tracked: [...actives(1, 2), tracked(3, 'ERROR')], expect: { outcome: 'hold', holds: ['paused'], counts: [2, 0, 1, 0, 0] } },
    { name: 'paused: no scale-down', paused: true, desired: 1, tracked: actives(1, 2), expect: { outcome: 'hold', holds: ['paused'], counts: [2, 0, 0, 0, 0] } },
    { name: 'paused: no adopt, no retire either', paused: true, desired: 2, tracked: actives(1), ledger: [entry('i2', null, 60), entry('i3', 's3')], servers: [server('s2', 'BUILD', { intent: 'i2' })], expect: { outcome: 'hold', holds: ['paused'], counts: [1, 1, 0, 0, 0] } },
    { name: 'paused and converged: no hold', paused: true, tracked: actives(1, 2, 3), expect: { outcome: 'done', counts: [3, 0, 0, 0, 0] } },
    { name: 'paused with an orphan due: kept', paused: true, tracked: actives(1, 2, 3), servers: [server('o1', 'ACTIVE', { ageS: 7200 })], knownOrphans: [{ serverId: 'o1', since: ago(4000) }], expect: { outcome: 'hold', holds: ['paused'], counts: [3, 0, 0, 0, 1], orphans: ['o1@4000'] } },
    { name: "kill-switch 'all': no create", killSwitch: 'all', tracked: actives(1), expect: { outcome: 'hold', holds: ['kill_switch'], counts: [1, 0, 0, 0, 0] } },
    { name: "kill-switch 'all': no delete of a failed server, no replacement", killSwitch: 'all', tracked: [...actives(1, 2), tracked(3, 'ERROR')], expect: { outcome: 'hold', holds: ['kill_switch'], counts: [2, 0, 1, 0, 0] } },
    { name: "kill-switch 'all': no scale-down", killSwitch: 'all', desired: 1, tracked: actives(1, 2), expect: { outcome: 'hold', holds: ['kill_switch'], counts: [2, 0, 0, 0, 0] } },
    { name: "kill-switch 'all': no orphan delete", killSwitch: 'all', tracked: actives(1, 2, 3), servers: [server('o1', 'ACTIVE', { ageS: 7200 })], knownOrphans: [{ serverId: 'o1', since: ago(4000) }], expect: { outcome: 'hold', holds: ['kill_switch'], counts: [3, 0, 0, 0, 1], orphans: ['o1@4000'] } },
    { name: "kill-switch 'all' still keeps the ledger true: adopt and retire", killSwitch: 'all', desired: 3, tracked: actives(1), ledger: [entry('i2', null, 60), entry('i3', 's3')], servers: [server('s2', 'BUILD', { intent: 'i2' })], expect: { outcome: 'act', adopts: ['i2>s2'], retires: ['i3:vanished'], holds: ['kill_switch'], counts: [1, 1, 0, 0, 0] } },
    { name: "kill-switch 'all' on a converged group: no hold", killSwitch: 'all', tracked: actives(1, 2, 3), expect: { outcome: 'done', counts: [3, 0, 0, 0, 0] } },
    { name: "kill-switch 'scale-up': no create", killSwitch: 'scale-up', tracked: actives(1), expect: { outcome: 'hold', holds: ['kill_switch'], counts: [1, 0, 0, 0, 0] } },
    { name: "kill-switch 'scale-up': a failed server is deleted, not replaced", killSwitch: 'scale-up', tracked: [...actives(1, 2), tracked(3, 'ERROR')], expect: { outcome: 'act', deletes: ['s3:error'], holds: ['kill_switch'], counts: [2, 0, 1, 0, 0] } },
    { name: "kill-switch 'scale-up': scale-down goes ahead, no hold", killSwitch: 'scale-up', desired: 1, tracked: actives(1, 2), expect: { outcome: 'act', deletes: ['s2:scale_down'], counts: [2, 0, 0, 0, 0] } },
    { name: "kill-switch 'scale-up': orphans are still cleaned", killSwitch: 'scale-up', tracked: actives(1, 2, 3), servers: [server('o1', 'ACTIVE', { ageS: 7200 })], knownOrphans: [{ serverId: 'o1', since: ago(4000) }], expect: { outcome: 'act', deletes: ['o1:orphan'], counts: [3, 0, 0, 0, 1], orphans: ['o1@4000'] } },
    // workflows (docs/workflows.md): in service is the workflow's word
    { name: 'workflows: a server Nova shows ACTIVE starts its launch workflow and is pending until it ends', joins: true, tracked: [...actives(1, 2), tracked(3, 'ACTIVE', 60, { state: 'building' })], expect: { outcome: 'act', joins: ['i3'], counts: [2, 1, 0, 0, 0] } },
    { name: 'workflows: without launch stages an ACTIVE server is in service at once, as before', joins: false, tracked: [...actives(1, 2), tracked(3, 'ACTIVE', 60, { state: 'building' })], expect: { outcome: 'done', counts: [3, 0, 0, 0, 0] } },
    { name: 'workflows: a server in its launch workflow counts as pending, and nothing more is made', joins: true, tracked: [...actives(1, 2), inWorkflow(3, 'joining')], expect: { outcome: 'wait', counts: [2, 1, 0, 0, 0] } },
    { name: 'workflows: a server in its launch workflow counts against the maximum', joins: true, max: 3, desired: 5, tracked: [...actives(1, 2), inWorkflow(3, 'joining')], expect: { outcome: 'wait', counts: [2, 1, 0, 0, 0] } },
    { name: 'workflows: a scale-in takes a building server before one mid-workflow, and that before one in service', joins: true, desired: 1, tracked: [tracked(1), inWorkflow(2, 'joining', { ageS: 100 }), tracked(3, 'BUILD', 50, { state: 'building' })], expect: { outcome: 'act', deletes: ['s3:scale_down'], leaves: ['s2:scale_down'], counts: [1, 2, 0, 0, 0] } },
    { name: 'workflows: a server in service leaves through its terminate workflow before its delete', joins: true, desired: 1, tracked: [tracked(1), inWorkflow(2, 'active', { ageS: 100 })], expect: { outcome: 'act', leaves: ['s2:scale_down'], counts: [2, 0, 0, 0, 0] } },
    { name: 'workflows: a server that joined with nothing to leave through is deleted at once', joins: true, desired: 1, tracked: [tracked(1), inWorkflow(2, 'active', { ageS: 100, leaves: false })], expect: { outcome: 'act', deletes: ['s2:scale_down'], counts: [2, 0, 0, 0, 0] } },
    { name: 'workflows: a server leaving is going, and its delete waits for its terminate workflow', joins: true, desired: 1, tracked: [tracked(1), inWorkflow(2, 'leaving')], expect: { outcome: 'wait', counts: [1, 0, 0, 1, 0] } },
    { name: 'workflows: once left, the server is deleted with the reason it left for', joins: true, desired: 1, tracked: [tracked(1), inWorkflow(2, 'leaving', { outcome: 'continue', leaveReason: 'error' })], expect: { outcome: 'act', deletes: ['s2:error'], counts: [1, 0, 0, 1, 0] } },
    { name: 'workflows: a terminate workflow that said abandon still ends in the delete', joins: true, desired: 1, tracked: [tracked(1), inWorkflow(2, 'leaving', { outcome: 'abandon' })], expect: { outcome: 'act', deletes: ['s2:scale_down'], counts: [1, 0, 0, 1, 0] } },
    { name: 'workflows: a launch abandoned is a failed build: it leaves, and is replaced', joins: true, tracked: [...actives(1, 2), inWorkflow(3, 'joining', { outcome: 'abandon', reason: 'workflow_timeout' })], expect: { outcome: 'act', create: 1, leaves: ['s3:workflow_timeout'], counts: [2, 0, 1, 0, 0] } },
    { name: 'workflows: a launch abandoned with no reason given reads as workflow_abandoned', joins: true, tracked: [...actives(1, 2), inWorkflow(3, 'joining', { outcome: 'abandon', leaves: false })], expect: { outcome: 'act', create: 1, deletes: ['s3:workflow_abandoned'], counts: [2, 0, 1, 0, 0] } },
    { name: 'workflows: a server in service that Nova shows ERROR leaves before its delete', joins: true, tracked: [...actives(1, 2), inWorkflow(3, 'active', { status: 'ERROR' })], expect: { outcome: 'act', create: 1, leaves: ['s3:error'], counts: [2, 0, 1, 0, 0] } },
    { name: 'workflows: a server chosen for deletion does not start joining', joins: true, desired: 2, tracked: [...actives(1, 2), tracked(3, 'ACTIVE', 60, { state: 'building' })], expect: { outcome: 'act', deletes: ['s3:scale_down'], counts: [2, 1, 0, 0, 0] } },
    { name: 'workflows: a launch workflow that ended continue reads as in service', joins: true, tracked: [...actives(1, 2), inWorkflow(3, 'joining', { outcome: 'continue' })], expect: { outcome: 'done', counts: [3, 0, 0, 0, 0] } },
    { name: 'workflows: paused, nothing starts joining and nothing leaves', joins: true, paused: true, desired: 1, tracked: [tracked(1), inWorkflow(2, 'active'), tracked(3, 'ACTIVE', 60, { state: 'building' })], expect: { outcome: 'hold', holds: ['paused'], counts: [2, 1, 0, 0, 0] } },
    { name: "workflows: kill-switch 'all' holds a leave as it holds a delete", joins: true, killSwitch: 'all', desired: 1, tracked: [tracked(1), inWorkflow(2, 'active', { ageS: 100 })], expect: { outcome: 'hold', holds: ['kill_switch'], counts: [2, 0, 0, 0, 0] } },
    { name: "workflows: kill-switch 'all' lets a server start joining (its workflow's calls are held where they are made)", joins: true, killSwitch: 'all', tracked: [...actives(1, 2), tracked(3, 'ACTIVE', 60, { state: 'building' })], expect: { outcome: 'act', joins: ['i3'], counts: [2, 1, 0, 0, 0] } }
];

const inputOf = (c: Case): PlanInput => {
    const all = c.tracked ?? [];
    return {
        groupId: group,
        desired: c.desired ?? 3,
        maxEntities: c.max ?? 10,
        ledger: [...all.map((t) => t.entry), ...(c.ledger ?? [])],
        listing: c.unknown ? { kind: 'unknown', reason: 'a page answered 500' } : { kind: 'known', servers: [...all.map((t) => t.server), ...(c.servers ?? [])] },
        now,
        buildTimeoutS: 600,
        ...(c.orphanGraceS === undefined ? {} : { orphanGraceS: c.orphanGraceS }),
        knownOrphans: c.knownOrphans ?? [],
        paused: c.paused ?? false,
        killSwitch: c.killSwitch ?? 'none',
        joins: c.joins ?? false
    };
};

describe('planConvergence', () => {
    for (const c of cases) {
        it(c.name, () => {
            const input = inputOf(c);
            const plan = planConvergence(input);
            expect({
                outcome: plan.outcome,
                create: plan.create,
                deletes: plan.deletes.map((d) => `${d.serverId}:${d.reason}`),
                adopts: plan.adopts.map((a) => `${a.intentId}>${a.serverId}`),
                retires: plan.retires.map((r) => `${r.intentId}:${r.reason}`),
                leaves: plan.leaves.map((l) => `${l.serverId}:${l.reason}`),
                joins: [...plan.joins],
                holds: plan.holds.map((h) => h.reason),
                counts: plan.counts && [plan.counts.active, plan.counts.pending, plan.counts.failed, plan.counts.going, plan.counts.orphans],
                orphans: plan.orphans.map((o) => `${o.serverId}@${(now.getTime() - o.since.getTime()) / 1000}`)
            }).to.equal({
                outcome: c.expect.outcome,
                create: c.expect.create ?? 0,
                deletes: [...(c.expect.deletes ?? [])],
                adopts: [...(c.expect.adopts ?? [])],
                retires: [...(c.expect.retires ?? [])],
                leaves: [...(c.expect.leaves ?? [])],
                joins: [...(c.expect.joins ?? [])],
                holds: [...(c.expect.holds ?? [])],
                counts: c.expect.counts,
                orphans: [...(c.expect.orphans ?? [])]
            });

            // Every delete names the intent that owns it; an orphan's names none.
            const owner = new Map([
                ...input.ledger.flatMap((e): [string, string][] => (e.serverId ? [[e.serverId, e.intentId]] : [])),
                ...plan.adopts.map((a): [string, string] => [a.serverId, a.intentId])
            ]);
            for (const d of plan.deletes) {
                expect(d.intentId).to.equal(d.reason === 'orphan' ? null : owner.get(d.serverId) ?? 'no owner');
            }

            // Invariants of every plan.
            const servers = input.listing.kind === 'known' ? input.listing.servers : [];
            for (const d of plan.deletes) {
                expect(servers.find((s) => s.id === d.serverId)?.metadata['autoscale:group_id']).to.equal(group);
            }

            if (plan.counts) {
                const { active, pending, failed, going } = plan.counts;
                // A failed server is replaced whether it is deleted now or leaves first.
                const replaced = [...plan.deletes, ...plan.leaves].filter((d) => d.reason !== 'orphan' && d.reason !== 'scale_down' && d.reason !== 'delete_unconfirmed').length;
                expect(active + pending + failed + going + plan.create).to.be.at.most(Math.max(input.maxEntities, active + pending + failed + going));
                expect(plan.create === 0 || active + pending + failed - replaced + plan.create <= input.desired).to.be.true();
            }

            for (const h of plan.holds) {
                expect(h.message.length).to.be.above(0);
            }
        });
    }

    it('is deterministic whatever the order of the ledger and the listing', () => {
        const c = cases.find((x) => x.name.startsWith('scale down removes building first'))!;
        const input = inputOf(c);
        const listing = input.listing.kind === 'known' ? input.listing.servers : [];
        const shuffled = planConvergence({ ...input, ledger: [...input.ledger].reverse(), listing: { kind: 'known', servers: [...listing].reverse() } });
        expect(shuffled).to.equal(planConvergence(input));
    });

    it('does not change its input', () => {
        const input = inputOf(cases.find((x) => x.name.startsWith('two servers with one intent id'))!);
        const before = JSON.stringify(input);
        planConvergence(input);
        expect(JSON.stringify(input)).to.equal(before);
    });

    it("reports every live intent's condition for the group's state", () => {
        const plan = planConvergence(inputOf({
            name: 'members', tracked: [tracked(1), tracked(2, 'BUILD', 60), tracked(3, 'ERROR'), tracked(4, 'ACTIVE', old, { task: 'deleting' })],
            ledger: [entry('i5', null, 30)], expect: { outcome: 'act', counts: null }
        }));
        expect(plan.members.map((m) => `${m.intentId}:${m.serverId ?? '-'}:${m.condition}`))
            .to.equal(['i1:s1:active', 'i3:s3:failed', 'i4:s4:going', 'i2:s2:building', 'i5:-:in_flight']);
    });

    it('defaults the orphan grace to an hour', () => {
        const input = inputOf({ name: 'grace', tracked: actives(1, 2, 3), servers: [server('o1')], expect: { outcome: 'act', counts: null } });
        const at = (s: number) => planConvergence({ ...input, knownOrphans: [{ serverId: 'o1', since: ago(s) }] }).deletes.length;
        expect([at(3599), at(3600)]).to.equal([0, 1]);
    });

    it('says what a hold withheld', () => {
        const scaleUp = planConvergence({ ...inputOf({ name: 'ks', tracked: [tracked(1), tracked(2, 'ERROR')], expect: { outcome: 'act', counts: null } }), killSwitch: 'all' });
        expect(scaleUp.holds).to.equal([{ reason: 'kill_switch', message: 'Kill-switch (all): withheld 2 creates and 1 delete', withheld: { create: 2, deletes: 1 } }]);
        const unknown = planConvergence({ ...inputOf({ name: 'u', expect: { outcome: 'hold', counts: null } }), listing: { kind: 'unknown', reason: 'timeout' } });
        expect(unknown.holds[0]!.message).to.contain('timeout');
    });

    it('a pause that withholds only ledger updates says so', () => {
        const { holds } = applyGates({ create: 0, deletes: [], leaves: [], joins: [], adopts: [], retires: [{ intentId: 'i1', reason: 'vanished' }] }, true, 'none');
        expect(holds).to.equal([{ reason: 'paused', message: 'The group is paused: withheld ledger updates', withheld: { create: 0, deletes: 0 } }]);
    });
});
