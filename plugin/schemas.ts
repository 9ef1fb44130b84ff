// Request bodies and queries, as Otter v1.0 defines them. Each schema names the
// field it refuses (plugin/errors.ts puts the path in `details.field`).
import Joi from 'joi';
import { validate as validCron } from 'node-cron';
import { maxEntitiesCeiling } from '../core/model/group';
import { unstorable } from '../core/model/text';

const text = Joi.string().pattern(unstorable, { name: 'storable', invert: true })
    .messages({ 'string.pattern.invert.name': '{{#label}} must not contain NUL or unpaired surrogate characters' });
const name = text.max(256).pattern(/\S/, 'non-blank').messages({ 'string.pattern.name': '{{#label}} must not be blank' });
const cooldown = Joi.number().integer().min(0).max(86400);
const entities = Joi.number().integer().min(0).max(maxEntitiesCeiling);
const metadata = Joi.object().pattern(text.min(1).max(256), text.max(256).allow('')).default({});

// min ≤ max is refused on minEntities, so that `details.field` names it.
export const groupConfiguration = Joi.object({
    name: name.required(),
    cooldown: cooldown.required(),
    minEntities: entities.required().when('maxEntities', {
        is: Joi.number(),
        then: Joi.number().max(Joi.ref('maxEntities')).messages({ 'number.max': '{{#label}} must be less than or equal to "maxEntities"' })
    }),
    maxEntities: entities.allow(null).default(null),
    metadata
}).label('groupConfiguration');

const loadBalancer = Joi.object({
    loadBalancerId: Joi.alternatives(Joi.number().integer().min(0), text.min(1).max(256)).required(),
    port: Joi.number().integer().min(1).max(65535).required()
});

// What of `server` is not checked must still be storable JSON: no unstorable
// text in keys or strings, and nesting no deeper than any Nova body needs.
const maxServerDepth = 32;
const unstorableIn = (value: unknown, path: (string | number)[]): { path: (string | number)[]; problem: string } | null => {
    if (path.length > maxServerDepth) {
        return { path, problem: `nests deeper than ${maxServerDepth} levels` };
    }

    if (typeof value === 'string') {
        return unstorable.test(value) ? { path, problem: 'contains NUL or unpaired surrogate characters' } : null;
    }

    if (value === null || typeof value !== 'object') {
        return null;
    }

    for (const [key, item] of Object.entries(value)) {
        const at = Array.isArray(value) ? [...path, Number(key)] : [...path, key];
        const found = unstorable.test(key) ? { path: at, problem: 'has a key with NUL or unpaired surrogate characters' } : unstorableIn(item, at);
        if (found) {
            return found;
        }
    }

    return null;
};

// `server` goes to Nova as given; only what every create needs is checked here.
const server = Joi.object({
    flavorRef: text.min(1).max(256).required(),
    imageRef: text.max(256).allow(''),
    name: text.max(200).allow(''),
    metadata: Joi.object().pattern(text.min(1).max(255), text.max(255).allow('')).max(100)
}).unknown(true).custom((value: Record<string, unknown>, helpers) => {
    const found = unstorableIn(value, []);
    const path = helpers.state.path ?? [];
    return found && helpers.state.localize ?
        helpers.error('server.unstorable', { problem: found.problem }, helpers.state.localize([...path, ...found.path])) :
        value;
}).messages({ 'server.unstorable': '{{#label}} {{#problem}}' });

export const launchConfiguration = Joi.object({
    type: Joi.string().valid('launch_server').required(),
    args: Joi.object({
        server: server.required(),
        loadBalancers: Joi.array().items(loadBalancer).max(5)
    }).required()
}).label('launchConfiguration');

// ISO-8601 in UTC ("Zulu"); that it lies in the future is checked against the clock.
const zulu = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
// A calendar date that exists: Date.parse rolls 2030-02-31 over into March,
// so the parsed time must read back as the same date and time.
const realDate = (value: string): boolean => {
    const time = Date.parse(value);
    return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 19) === value.slice(0, 19);
};

const at = Joi.string().pattern(zulu, 'ISO-8601 Zulu').custom((value: string, helpers) =>
    realDate(value) ? value : helpers.message({ custom: '{{#label}} is not a valid date' })
).messages({ 'string.pattern.name': '{{#label}} must be an ISO-8601 UTC timestamp like 2030-01-01T00:00:00Z' });

const cron = text.max(256).custom((value: string, helpers) =>
    value.trim().split(/\s+/).length === 5 && validCron(value) ? value : helpers.message({ custom: '{{#label}} must be a cron expression of 5 fields' })
);

export const policy = Joi.object({
    name: name.required(),
    cooldown: cooldown.required(),
    type: Joi.string().valid('webhook', 'schedule').required(),
    change: Joi.number().integer().min(-maxEntitiesCeiling).max(maxEntitiesCeiling).invalid(0),
    changePercent: Joi.number().min(-100).max(10000).invalid(0),
    desiredCapacity: entities,
    args: Joi.when('type', {
        is: 'schedule',
        then: Joi.object({ at, cron }).xor('at', 'cron').required(),
        otherwise: Joi.forbidden()
    })
}).xor('change', 'changePercent', 'desiredCapacity').label('policy');

export const policies = Joi.array().items(policy).min(1).label('policies');

export const webhook = Joi.object({ name: name.required(), metadata }).label('webhook');
export const webhooks = Joi.array().items(webhook).min(1).label('webhooks');

export const createGroup = Joi.object({
    groupConfiguration: groupConfiguration.required(),
    launchConfiguration: launchConfiguration.required(),
    scalingPolicies: Joi.array().items(policy).default([])
});

// `limit` above 100 is clamped to 100 (contract §4), below 1 refused.
export const pageQuery = Joi.object({
    limit: Joi.number().integer().min(1).default(100).custom((n: number) => Math.min(n, 100)),
    marker: text.max(256)
});

export const groupQuery = Joi.object({ webhooks: Joi.boolean().default(false) });
export const deleteGroupQuery = Joi.object({ force: Joi.boolean().default(false) });

// A path id that cannot be one we issued (too long, unstorable) is answered
// 404 like any unknown id (plugin/errors.ts).
const id = text.min(1).max(256);
export const tenantParams = Joi.object({ tenantId: id.required() });
export const groupParams = tenantParams.keys({ groupId: id.required() });
export const policyParams = groupParams.keys({ policyId: id.required() });
export const webhookParams = policyParams.keys({ webhookId: id.required() });
export const serverParams = groupParams.keys({ serverId: id.required() });
export const deleteServerQuery = Joi.object({ replace: Joi.boolean().default(true) });

// Supervision (overrides, kill-switches, forced execute). A reason is text a
// person reads in the activity log: 1–256 characters, not blank, like a name.
const reason = name;

// At least one level, min ≤ max and desired within them, each refused on its own field.
const levelsHold = (value: { desiredCapacity?: number; minEntities?: number; maxEntities?: number }, helpers: Joi.CustomHelpers) => {
    const refuse = (field: string, message: string) =>
        helpers.error('override.levels', { message }, helpers.state.localize?.([...(helpers.state.path ?? []), field]));
    const { desiredCapacity: desired, minEntities: min, maxEntities: max } = value;
    if (desired === undefined && min === undefined && max === undefined) {
        return refuse('desiredCapacity', 'one of "desiredCapacity", "minEntities" or "maxEntities" is required');
    }

    if (min !== undefined && max !== undefined && min > max) {
        return refuse('minEntities', '"minEntities" must be less than or equal to "maxEntities"');
    }

    if (desired !== undefined && ((min !== undefined && desired < min) || (max !== undefined && desired > max))) {
        return refuse('desiredCapacity', '"desiredCapacity" must lie within "minEntities" and "maxEntities"');
    }

    return value;
};

// That expiresAt lies ahead (and not too far) is checked against the plugin's clock.
export const override = Joi.object({
    desiredCapacity: entities,
    minEntities: entities,
    maxEntities: entities,
    reason: reason.required(),
    expiresAt: at.required()
}).custom(levelsHold).messages({ 'override.levels': '{{#message}}' }).label('override');

export const killSwitch = Joi.object({
    mode: Joi.string().valid('scale-up', 'all').required(),
    reason: reason.required(),
    expiresAt: at
}).label('killSwitch');

export const forcedExecute = Joi.object({
    force: Joi.boolean().valid(true).required().messages({ 'any.only': '"force" must be true: an admin execute skips cooldown and debounce on purpose' }),
    reason: reason.required()
}).label('forcedExecute');

// `global` or `region:{name}`, as core/model/kill-switch.ts parses it.
export const killSwitchParams = Joi.object({
    scope: text.max(262).pattern(/^(global|region:.{1,255})$/s, 'kill-switch scope')
        .messages({ 'string.pattern.name': '{{#label}} must be "global" or "region:{name}"' }).required()
});
