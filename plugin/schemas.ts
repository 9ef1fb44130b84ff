// Request bodies and queries, as Otter v1.0 defines them. Each schema names the
// field it refuses (plugin/errors.ts puts the path in `details.field`).
import Joi from 'joi';
import { validate as validCron } from 'node-cron';
import { maxEntitiesCeiling } from '../core/model';

const name = Joi.string().max(256).pattern(/\S/, 'non-blank').messages({ 'string.pattern.name': '{{#label}} must not be blank' });
const cooldown = Joi.number().integer().min(0).max(86400);
const entities = Joi.number().integer().min(0).max(maxEntitiesCeiling);
const metadata = Joi.object().pattern(Joi.string().min(1).max(256), Joi.string().max(256).allow('')).default({});

export const groupConfiguration = Joi.object({
    name: name.required(),
    cooldown: cooldown.required(),
    minEntities: entities.required(),
    maxEntities: entities.allow(null).default(null),
    metadata
}).custom((config: { minEntities: number; maxEntities: number | null }, helpers) =>
    config.maxEntities !== null && config.minEntities > config.maxEntities ?
        helpers.message({ custom: '"minEntities" must be less than or equal to "maxEntities"' }) :
        config
).label('groupConfiguration');

const loadBalancer = Joi.object({
    loadBalancerId: Joi.alternatives(Joi.number().integer().min(0), Joi.string().min(1).max(256)).required(),
    port: Joi.number().integer().min(1).max(65535).required()
});

// `server` goes to Nova as given; only what every create needs is checked here.
const server = Joi.object({
    flavorRef: Joi.string().min(1).max(256).required(),
    imageRef: Joi.string().max(256).allow(''),
    name: Joi.string().max(200).allow(''),
    metadata: Joi.object().pattern(Joi.string().min(1).max(255), Joi.string().max(255).allow('')).max(100)
}).unknown(true);

export const launchConfiguration = Joi.object({
    type: Joi.string().valid('launch_server').required(),
    args: Joi.object({
        server: server.required(),
        loadBalancers: Joi.array().items(loadBalancer).max(5)
    }).required()
}).label('launchConfiguration');

// ISO-8601 in UTC ("Zulu"); that it lies in the future is checked against the clock.
const zulu = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const at = Joi.string().pattern(zulu, 'ISO-8601 Zulu').custom((value: string, helpers) =>
    Number.isNaN(Date.parse(value)) ? helpers.message({ custom: '{{#label}} is not a valid date' }) : value
).messages({ 'string.pattern.name': '{{#label}} must be an ISO-8601 UTC timestamp like 2030-01-01T00:00:00Z' });

const cron = Joi.string().max(256).custom((value: string, helpers) =>
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
    marker: Joi.string().max(256)
});

export const groupQuery = Joi.object({ webhooks: Joi.boolean().default(false) });
export const deleteGroupQuery = Joi.object({ force: Joi.boolean().default(false) });

const id = Joi.string().min(1).max(256);
export const tenantParams = Joi.object({ tenantId: id.required() });
export const groupParams = tenantParams.keys({ groupId: id.required() });
export const policyParams = groupParams.keys({ policyId: id.required() });
export const webhookParams = policyParams.keys({ webhookId: id.required() });
