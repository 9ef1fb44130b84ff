// Request bodies and queries, as Otter v1.0 defines them. Each schema names the
// field it refuses (plugin/errors.ts puts the path in `details.field`).
import Joi from 'joi';
import { validate as validCron } from 'node-cron';
import { maxEntitiesCeiling } from '../core/model/group';
import { drainingTimeoutLimits, maxLoadBalancers, memberWeightLimits } from '../core/model/load-balancer';
import { groupMetadataKey, intentMetadataKey } from '../core/model/ledger';
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

// `server` goes to Nova with the service account's token, so only the keys of
// contract §3 are taken, each checked: anything else (forced placement, several
// servers per create, another project's port or volume...) is refused by name.
// Control characters (C0, DEL, C1) in a name end up in consoles and logs.
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidText = Joi.string().pattern(uuid, 'uuid').messages({ 'string.pattern.name': '{{#label}} must be a UUID' });

// Contract §7: a pool (Octavia's, by id), or every pool of a load balancer
// (Otter's `{loadBalancerId, port}`). Octavia's ids are UUIDs, as Neutron's subnets.
const memberPort = Joi.number().integer().min(1).max(65535).required();
const loadBalancer = Joi.alternatives().conditional(Joi.object({ loadBalancerId: Joi.exist() }).unknown(), {
    then: Joi.object({ loadBalancerId: uuidText.required(), port: memberPort }),
    otherwise: Joi.object({
        poolId: uuidText.required(),
        port: memberPort,
        subnetId: uuidText,
        weight: Joi.number().integer().min(memberWeightLimits.min).max(memberWeightLimits.max)
    })
});

// One member per pool and port: a second would be Octavia's duplicate refusal.
const sameMember = (a: { poolId?: string; loadBalancerId?: string; port?: number }, b: typeof a): boolean =>
    (a.poolId ?? a.loadBalancerId) === (b.poolId ?? b.loadBalancerId) && a.port === b.port;
const loadBalancers = Joi.array().items(loadBalancer).max(maxLoadBalancers).unique(sameMember)
    .messages({ 'array.unique': '{{#label}} names the same pool (or load balancer) and port twice' });

// Base64 as Nova's schema checks it (standard alphabet, padded, no line
// breaks), no bigger than `maxBytes` once decoded.
const base64Text = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const decodedBytes = (value: string): number => (value.length / 4) * 3 - (value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0);
const base64 = (maxBytes: number) => Joi.string().allow('').pattern(base64Text, 'base64').custom((value: string, helpers) =>
    decodedBytes(value) <= maxBytes ? value : helpers.message({ custom: `{{#label}} must decode to at most ${maxBytes} bytes` })
).messages({ 'string.pattern.name': '{{#label}} must be base64 (padded, without line breaks)' });

// A count or index as Nova takes it: an integer, or its digits as a string.
const novaInteger = (min: number) => Joi.alternatives(
    Joi.number().integer().min(min).max(2 ** 31 - 1),
    Joi.string().pattern(min < 0 ? /^-?\d{1,9}$/ : /^\d{1,9}$/, 'integer')
).messages({
    'alternatives.match': `{{#label}} must be an integer of at least ${min}`,
    'string.pattern.name': `{{#label}} must be an integer of at least ${min}`
});

const serverName = text.max(200).allow('').custom((value: string, helpers) =>
    controlCharacter.test(value) ? helpers.message({ custom: '{{#label}} must not contain control characters' }) : value);

// "none", "auto", or networks by uuid. A port serves one server only, and
// may be another project's: never taken.
const networks = Joi.alternatives().conditional(Joi.array(), {
    then: Joi.array().items(Joi.object({
        port: Joi.forbidden().messages({ 'any.unknown': '{{#label}} is not allowed: a port serves one server only, name its network by uuid' }),
        uuid: uuidText.required(),
        fixed_ip: Joi.string().ip({ cidr: 'forbidden' }).messages({ 'string.ip': '{{#label}} must be an IP address', 'string.ipVersion': '{{#label}} must be an IP address' })
    })),
    otherwise: Joi.string().valid('none', 'auto').messages({ 'any.only': '{{#label}} must be "none", "auto" or a list of networks by uuid' })
});

// Nova's default quotas: 5 injected files of 10,240 bytes, paths of 255.
const personality = Joi.array().items(Joi.object({ path: text.min(1).max(255).required(), contents: base64(10_240).required() })).max(5);

// Nova allows 128 items (its metadata_items quota), and every server carries
// our 2 (core/model/ledger.ts), which the customer may not set: a server
// claiming another group or intent would be counted, or deleted, as theirs.
export const maxServerMetadata = 128 - 2;
const serverMetadata = Joi.object()
    .keys(Object.fromEntries([groupMetadataKey, intentMetadataKey].map((key) =>
        [key, Joi.forbidden().messages({ 'any.unknown': '{{#label}} is not allowed: the plugin sets it on every server' })])))
    .pattern(text.min(1).max(255), text.max(255).allow(''))
    .max(maxServerMetadata)
    .messages({ 'object.max': `{{#label}} must have at most ${maxServerMetadata} items: Nova allows 128 and the plugin adds 2` });

// A zone, never "zone:host" or "zone::node": placing on a host is for admins.
const availabilityZone = text.min(1).max(255).custom((value: string, helpers) =>
    value.includes(':') || controlCharacter.test(value) ?
        helpers.message({ custom: '{{#label}} must be a zone name: "zone:host" and "zone::node" (forced placement) are not taken' }) :
        value);

// Only disks made for this server and gone with it: from an image (by uuid)
// or blank. A volume or snapshot (source_type, volume_id, snapshot_id) could
// be another project's, and a kept volume would outlive the group's server.
const blockDevice = Joi.object({
    source_type: Joi.string().valid('image', 'blank').required()
        .messages({ 'any.only': '{{#label}} must be "image" or "blank": volumes and snapshots are not taken' }),
    destination_type: Joi.string().valid('local', 'volume'),
    uuid: Joi.when('source_type', {
        is: 'image',
        then: uuidText.required(),
        otherwise: Joi.forbidden().messages({ 'any.unknown': '{{#label}} is not allowed: a blank disk has no source' })
    }),
    boot_index: novaInteger(-1).allow(null),
    volume_size: novaInteger(1),
    delete_on_termination: Joi.boolean().valid(true).required()
        .messages({ 'any.only': '{{#label}} must be true: the disk goes with its server' }),
    guest_format: text.max(255),
    disk_bus: text.max(255),
    device_type: text.max(255),
    device_name: text.max(255),
    volume_type: text.max(255),
    tag: text.max(60)
});

const server = Joi.object({
    name: serverName,
    imageRef: text.max(256).allow(''),
    flavorRef: text.min(1).max(256).required(),
    networks,
    key_name: text.min(1).max(255),
    user_data: base64(65_535),
    personality,
    metadata: serverMetadata,
    security_groups: Joi.array().items(Joi.object({ name: text.min(1).max(255).required() })),
    availability_zone: availabilityZone,
    block_device_mapping_v2: Joi.array().items(blockDevice),
    config_drive: Joi.boolean(),
    description: text.max(255).allow('', null)
});

export const launchConfiguration = Joi.object({
    type: Joi.string().valid('launch_server').required(),
    args: Joi.object({
        server: server.required(),
        loadBalancers,
        // Unset reads as 0 (not written in, so a launch configuration reads back as it was sent).
        drainingTimeoutS: Joi.number().integer().min(drainingTimeoutLimits.min).max(drainingTimeoutLimits.max)
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

// An IANA time zone name the runtime knows (Europe/Paris, UTC); not an abbreviation or an offset.
const ianaName = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;
const knownZone = (value: string): boolean => {
    try {
        new Intl.DateTimeFormat('en-US', { timeZone: value });
        return ianaName.test(value);
    }
    catch {
        return false;
    }
};

const timezone = text.max(64).custom((value: string, helpers) =>
    knownZone(value) ? value : helpers.message({ custom: '{{#label}} must be an IANA time zone name like Europe/Paris' })
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
        then: Joi.object({ at, cron, timezone: Joi.when('cron', { is: Joi.exist(), then: timezone, otherwise: Joi.forbidden() }) }).xor('at', 'cron').required(),
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

// A tenant's execute (contract §4): no body, or `{force: true, reason}` to
// skip the cooldown and the debounce as the admin's forced execute does.
export const tenantExecute = Joi.object({
    force: Joi.boolean(),
    reason: reason.when('force', { is: true, then: Joi.required(), otherwise: Joi.forbidden() })
        .messages({ 'any.unknown': '"reason" is only for a forced execute ("force": true)' })
}).allow(null).label('tenantExecute');

// GET /admin/kill-switches: the switches in force, or with history=true every
// set and clear, in pages (a marker is a history row's id).
export const killSwitchQuery = Joi.object({
    history: Joi.boolean().default(false),
    limit: pageQuery.extract('limit').when('history', { is: true, otherwise: Joi.forbidden() }),
    marker: Joi.string().pattern(/^\d{1,18}$/, 'history id').when('history', { is: true, otherwise: Joi.forbidden() })
}).messages({ 'any.unknown': '{{#label}} pages the history: only with history=true' });

// `global` or `region:{name}`, as core/model/kill-switch.ts parses it.
export const killSwitchParams = Joi.object({
    scope: text.max(262).pattern(/^(global|region:.{1,255})$/s, 'kill-switch scope')
        .messages({ 'string.pattern.name': '{{#label}} must be "global" or "region:{name}"' }).required()
});

// A group's workflow (contract §7): the built-in one, the customer's webhook,
// or one the host registered by name. The webhook's secret is write-only.
export const workflow = (hostNames: readonly string[]) => Joi.object({
    type: Joi.string().required().valid('builtin', 'webhook', ...hostNames)
        .messages({ 'any.only': `{{#label}} must be "builtin", "webhook"${hostNames.map((n) => `, "${n}"`).join('')}: no other workflow is registered` }),
    url: Joi.when('type', { is: 'webhook', then: Joi.string().uri({ scheme: ['http', 'https'] }).max(2048).required(), otherwise: Joi.forbidden() }),
    secret: Joi.when('type', { is: 'webhook', then: text.min(16).max(256).required(), otherwise: Joi.forbidden() }),
    timeoutS: Joi.when('type', { is: 'webhook', then: Joi.number().integer().min(30).max(7200).default(300), otherwise: Joi.forbidden() }),
    defaultResult: Joi.when('type', { is: 'webhook', then: Joi.string().valid('continue', 'abandon').default('abandon'), otherwise: Joi.forbidden() }),
    events: Joi.when('type', {
        is: 'webhook',
        then: Joi.array().items(Joi.string().valid('launch', 'terminate')).min(1).unique().default(['launch', 'terminate']),
        otherwise: Joi.forbidden()
    })
}).label('workflow');
