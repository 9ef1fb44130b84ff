// The plugin's options, checked once at register (Joi.attempt), defaults applied.
import Joi from 'joi';
import type { DatabaseOption } from '../adapters/store/database';
import { type BreakerOptions, DEFAULT_BREAKER } from '../adapters/nova/region-breaker';
import type { ServiceAccount } from '../adapters/keystone/service-account';
import type { Limits } from '../core/model/group';
import { defaultLimits } from '../core/model/group';
import { type CreateBudgetLimits, DEFAULT_CREATE_BUDGET } from '../adapters/nova/budget';
import type { Clock } from '../core/ports/clock';
import type { Compute } from '../core/ports/compute';
import { systemClock } from '../core/ports/clock';
import type { TokenValidator } from '../core/ports/identity';
import type { Workflow } from '../core/ports/workflows';
import { parseCidrList } from '../adapters/workflow-webhook/address-policy';
import type { Lookup } from '../adapters/workflow-webhook/url-check';
import { DEFAULT_STORM_GUARD, type StormGuardOptions } from '../core/converge/storm-guard';
import { defaultHeartbeatMs } from '../core/decide/liveness';

export interface PluginOptions {
    // A connection string, a knex config ({config}), the host's knex ({knex}),
    // or embedded PGlite ({embedded: {dataDir}}; no dataDir = in memory).
    database?: DatabaseOption;
    migrate?: boolean;
    // The service account (Keystone v3 password); or, for the auth scheme
    // alone, a TokenValidator to use instead.
    // The converger talks to Nova through `compute` when given, else through a
    // NovaCompute of the service account; with neither, no converger runs.
    openstack?: { serviceAccount?: ServiceAccount; tokenValidator?: TokenValidator; compute?: Compute };
    // The converger: an orphan's grace period (default 1 h), passes per run,
    // the group lease's lifetime, how soon a group left waiting (builds,
    // deletes, failed calls) is looked at again (0: only kicks and the sweep),
    // how many creates/deletes one run has in flight at once, how many groups
    // run at once (parallelGroups), and the sweep's page of groups (sweepBatch).
    // backoffBaseMs / backoffCapMs: the wait after failed builds in a row
    // (base, doubling, capped; base 0: none); stormGuard: pace creations when
    // more than shareThreshold of the region's groups want to scale up at once
    // (false: never), sharing out regionCreatesPerS (default: createBudget.createsPerS).
    // breaker: the compute breaker of each region (opens when more than
    // errorThresholdPercentage of at least volumeThreshold calls in the last
    // rollingCountTimeoutMs failed, or consecutiveFailures in a row; one probe
    // after resetTimeoutMs).
    // createBudget: each region's creates per second, its burst, creates in
    // flight, and how long a create may wait for its turn (0: refused at once).
    converger?: {
        orphanGraceS?: number; maxPasses?: number; recheckMs?: number; concurrency?: number; parallelGroups?: number; sweepBatch?: number;
        backoffBaseMs?: number; backoffCapMs?: number; stormGuard?: false | Partial<StormGuardOptions>;
        breaker?: Partial<BreakerOptions>; createBudget?: Partial<CreateBudgetLimits>;
    };
    // Many instances on one PostgreSQL (contract §9): an instance not seen for
    // leaseTtlS (default 30) is gone, and a group's convergence lease lapses
    // after it unless renewed; each instance says it is alive every
    // heartbeatMs (default a third of leaseTtlS, less than leaseTtlS).
    cluster?: { leaseTtlS?: number; heartbeatMs?: number };
    // The host's own auth strategy name, instead of the built-in Keystone scheme.
    // adminRole counts only on adminProject (a project name or id).
    auth?: { strategy?: string; adminRole?: string; adminProject?: string };
    // GET /metrics: an admin's token, unless auth is false (contract §10).
    // enabled false: nothing is counted and there is no /metrics route (the log stays).
    metrics?: { enabled?: boolean; auth?: boolean };
    intervals?: { convergeS?: number; buildTimeoutS?: number };
    limits?: Partial<Limits>;
    // Triggers of one policy within debounceMs of a decision coalesce into it;
    // the activity log keeps the newest activityPerGroup rows of each group.
    supervisor?: { debounceMs?: number; activityPerGroup?: number };
    // Alert circle-back (contract §6): attempts per episode, the first included
    // (circleBackCap); how often the loop looks for due attempts (intervalMs,
    // 0: never, the host calls runOnce); the least wait between attempts
    // (minDelayMs); how often the activity log is pruned (pruneIntervalMs, 0: never).
    // eventRetentionS: how long a taken event id answers as a replay (then it is pruned).
    alerts?: { circleBackCap?: number; intervalMs?: number; minDelayMs?: number; pruneIntervalMs?: number; eventRetentionS?: number };
    // The region kill-switches of this installation's groups are matched against
    // (default: the service account's OS_REGION_NAME).
    region?: string;
    // Capability URLs are derived from this; unset: a key generated once and kept in the database.
    capabilityKey?: string;
    // Workflows of the host's own (contract §7): a group whose workflow is
    // `{type: "<name>"}` has its servers' launch and terminate run through
    // workflows[name]. Names are 1-64 of [a-z0-9_-], not "builtin" or "webhook".
    workflows?: Record<string, Workflow>;
    // The workflow runner's round (0: never on its own; the host calls
    // engine.workflows.runOnce) and how many running stages a round reads.
    workflowRunner?: { intervalMs?: number; batch?: number };
    // Customer webhooks (contract §7 "Where it may go"): http allowed
    // (default https only), and the CIDRs let back in from the refused ranges
    // (loopback, private, link-local, ...). The delivery loop's round
    // (intervalMs, 0: the host calls engine.webhooks.runOnce), deliveries per
    // round (batch), attempts under way at once (concurrency), one attempt's
    // deadline (attemptTimeoutMs, the contract's 10 s), and the resolver for
    // webhook host names (lookup, default the system's).
    webhooks?: {
        allowHttp?: boolean; allowCidrs?: string[];
        intervalMs?: number; batch?: number; concurrency?: number; attemptTimeoutMs?: number; lookup?: Lookup;
    };
    // Schedule policies (contract §8): how often each instance looks for due
    // times (intervalMs, 0: the host calls engine.schedules.runOnce), and how
    // late a due time may still run (graceS; older ones are skipped and counted).
    schedules?: { intervalMs?: number; graceS?: number };
    // Where clients reach the host (`https://monitor.example.com`, a path
    // allowed): the base of Location, links and capability URLs. Unset: the
    // request's own scheme and Host, which a client can set to anything.
    publicUrl?: string;
    // How long a request's body may take to arrive, on every route of the
    // plugin: a body still incomplete then is answered 408 and its connection
    // closed (a client that sends headers and stalls holds nothing longer).
    bodyTimeoutMs?: number;
    clock?: Clock;
}

export interface Settings {
    database: DatabaseOption;
    migrate: boolean;
    openstack: { serviceAccount?: ServiceAccount; tokenValidator?: TokenValidator; compute?: Compute };
    converger: {
        orphanGraceS: number; maxPasses: number; recheckMs: number; concurrency: number; parallelGroups: number; sweepBatch: number;
        backoffBaseMs: number; backoffCapMs: number; stormGuard: false | StormGuardOptions;
        breaker: BreakerOptions; createBudget: CreateBudgetLimits;
    };
    cluster: { leaseTtlS: number; heartbeatMs: number };
    auth: { strategy?: string; adminRole: string; adminProject: string };
    metrics: { enabled: boolean; auth: boolean };
    intervals: { convergeS: number; buildTimeoutS: number };
    limits: Limits;
    supervisor: { debounceMs: number; activityPerGroup: number };
    alerts: { circleBackCap: number; intervalMs: number; minDelayMs: number; pruneIntervalMs: number; eventRetentionS: number };
    region?: string;
    capabilityKey?: string;
    workflows: Record<string, Workflow>;
    workflowRunner: { intervalMs: number; batch: number };
    webhooks: {
        allowHttp: boolean; allowCidrs: string[];
        intervalMs: number; batch: number; concurrency: number; attemptTimeoutMs: number; lookup?: Lookup;
    };
    schedules: { intervalMs: number; graceS: number };
    publicUrl?: string;
    bodyTimeoutMs: number;
    clock: Clock;
}

const positive = Joi.number().integer().min(1);
// A longer Node timer fires at once (with a warning) instead of never.
const timerMs = positive.max(2 ** 31 - 1);

export const optionsSchema = Joi.object({
    database: Joi.alternatives(
        Joi.string().uri({ scheme: ['postgres', 'postgresql'] }),
        Joi.object({ knex: Joi.function().required() }),
        Joi.object({ embedded: Joi.object({ dataDir: Joi.string() }).required() }),
        Joi.object({ config: Joi.object().required() })
    ).default({ embedded: {} }),
    migrate: Joi.boolean().default(true),
    openstack: Joi.object({
        serviceAccount: Joi.object().unknown(true),
        tokenValidator: Joi.object({ validate: Joi.function().required() }).unknown(true),
        // Joi.any: the host's object as given (a class instance is not copied).
        compute: Joi.any().custom((value: unknown) => {
            const methods = ['createServer', 'listServers', 'deleteServer'];
            if (value === null || typeof value !== 'object' || !methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function')) {
                throw new Error(`must implement ${methods.join(', ')}`);
            }

            return value;
        })
    }).default({}),
    converger: Joi.object({
        orphanGraceS: Joi.number().integer().min(0).default(3600),
        maxPasses: positive.max(100).default(5),
        recheckMs: Joi.number().integer().min(0).default(2_000),
        concurrency: positive.max(100).default(10),
        parallelGroups: positive.max(100).default(8),
        sweepBatch: positive.default(1000),
        backoffBaseMs: Joi.number().integer().min(0).default(10_000),
        backoffCapMs: Joi.number().integer().min(0).default(600_000),
        // The bounds GuardedCompute's checkBudgetLimits enforces, refused here with the field's name.
        createBudget: Joi.object({
            createsPerS: Joi.number().greater(0).default(DEFAULT_CREATE_BUDGET.createsPerS),
            burst: positive.default(DEFAULT_CREATE_BUDGET.burst),
            maxInFlight: positive.default(DEFAULT_CREATE_BUDGET.maxInFlight),
            maxWaitMs: Joi.number().integer().min(0).max(60_000).default(DEFAULT_CREATE_BUDGET.maxWaitMs)
        }).default(),
        breaker: Joi.object({
            // At 100 % it could never open.
            errorThresholdPercentage: Joi.number().min(0).less(100).default(DEFAULT_BREAKER.errorThresholdPercentage),
            volumeThreshold: positive.default(DEFAULT_BREAKER.volumeThreshold),
            resetTimeoutMs: timerMs.default(DEFAULT_BREAKER.resetTimeoutMs),
            // opossum cuts the window into 10 buckets of a timer each.
            rollingCountTimeoutMs: timerMs.min(100).default(DEFAULT_BREAKER.rollingCountTimeoutMs),
            consecutiveFailures: positive.default(DEFAULT_BREAKER.consecutiveFailures)
        }).default(),
        // An object with false allowed (not alternatives) so that, unset, it is
        // built from its keys' defaults, the reference to createBudget included
        // (joi resolves createBudget first because of that reference).
        stormGuard: Joi.object({
            shareThreshold: Joi.number().min(0).max(1).default(DEFAULT_STORM_GUARD.shareThreshold),
            minWanting: Joi.number().integer().min(0).default(DEFAULT_STORM_GUARD.minWanting),
            // One number for the region's creation rate: the creation budget's, unless set.
            regionCreatesPerS: Joi.number().greater(0).default(Joi.ref('...createBudget.createsPerS'))
        }).allow(false).default()
    }).default(),
    cluster: Joi.object({
        leaseTtlS: positive.max(86_400).default(30),
        // Below the TTL: beats a TTL apart would let a live instance lapse between two.
        heartbeatMs: timerMs
            .less(Joi.ref('leaseTtlS', { adjust: (s: number) => s * 1000 }))
            .messages({ 'number.less': '{{#label}} must be less than cluster.leaseTtlS, in milliseconds' })
            .default(Joi.ref('leaseTtlS', { adjust: defaultHeartbeatMs }))
    }).default(),
    auth: Joi.object({
        strategy: Joi.string(),
        adminRole: Joi.string().default('admin'),
        adminProject: Joi.string().default('admin')
    }).default(),
    metrics: Joi.object({ enabled: Joi.boolean().default(true), auth: Joi.boolean().default(true) }).default(),
    intervals: Joi.object({
        convergeS: positive.default(300),
        buildTimeoutS: positive.default(3600)
    }).default(),
    limits: Joi.object({
        maxGroups: positive.default(defaultLimits.maxGroups),
        maxPoliciesPerGroup: positive.default(defaultLimits.maxPoliciesPerGroup),
        maxWebhooksPerPolicy: positive.default(defaultLimits.maxWebhooksPerPolicy)
    }).default(),
    supervisor: Joi.object({
        debounceMs: Joi.number().integer().min(0).default(2000),
        activityPerGroup: positive.default(1000)
    }).default(),
    alerts: Joi.object({
        circleBackCap: positive.max(100).default(3),
        intervalMs: Joi.number().integer().min(0).default(1000),
        minDelayMs: positive.default(1000),
        pruneIntervalMs: Joi.number().integer().min(0).default(60_000),
        // A week: far past any resend of a notification, short enough to keep the table small.
        eventRetentionS: positive.default(7 * 24 * 3600)
    }).default(),
    region: Joi.string(),
    capabilityKey: Joi.string().min(32),
    // Joi.any per adapter: the host's objects as given (a class instance is not copied).
    workflows: Joi.object().pattern(
        Joi.string().pattern(/^[a-z0-9_-]{1,64}$/).invalid('builtin', 'webhook'),
        Joi.any().custom((value: unknown) => {
            if (value === null || typeof value !== 'object' || !['launch', 'terminate'].every((m) => typeof (value as Record<string, unknown>)[m] === 'function')) {
                throw new Error('must implement launch and terminate');
            }

            return value;
        })
    ).default({}),
    workflowRunner: Joi.object({
        intervalMs: Joi.number().integer().min(0).max(2 ** 31 - 1).default(1000),
        batch: positive.max(10_000).default(500)
    }).default(),
    webhooks: Joi.object({
        allowHttp: Joi.boolean().default(false),
        // Each entry parsed as the delivery guard will read it: a typo fails registration, naming it.
        allowCidrs: Joi.array().items(Joi.string()).default([]).custom((value: string[]) => {
            const parsed = parseCidrList(value);
            if (!parsed.ok) {
                throw new Error(parsed.reason);
            }

            return value;
        }),
        intervalMs: Joi.number().integer().min(0).max(2 ** 31 - 1).default(1000),
        batch: positive.max(10_000).default(500),
        concurrency: positive.max(1000).default(20),
        attemptTimeoutMs: positive.max(10_000).default(10_000),
        lookup: Joi.function()
    }).default(),
    schedules: Joi.object({
        intervalMs: Joi.number().integer().min(0).max(2 ** 31 - 1).default(1000),
        graceS: Joi.number().integer().min(0).max(7 * 24 * 3600).default(300)
    }).default(),
    // Absolute http(s), no query or fragment; a trailing slash is dropped.
    publicUrl: Joi.string().uri({ scheme: ['http', 'https'] }).pattern(/^[^?#]*$/, 'no query or fragment').replace(/\/+$/, ''),
    // A few seconds: far more than any body of ours (1 MiB at most) needs, far less than Node's own 300 s.
    bodyTimeoutMs: positive.max(300_000).default(5000),
    clock: Joi.object({ now: Joi.function().required() }).unknown(true).default(systemClock)
});

export const settingsOf = (options: PluginOptions): Settings => Joi.attempt(options, optionsSchema, 'nova-autoscale options:') as Settings;
