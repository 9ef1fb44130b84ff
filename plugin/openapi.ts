// GET /openapi.json (contract §10): OpenAPI 3.0 of every route of ours, made
// from the routes themselves (hapi's table) and their own joi schemas, so the
// document cannot drift from what the routes accept. Our own walk over joi's
// describe() rather than a generator: the ones made for hapi want joi 17, and
// we use a known subset of joi (the types below); anything else is `{}`, the schema every value meets.
import type { RequestRoute, Server, ServerRoute } from '@hapi/hapi';
import type Joi from 'joi';
import { version } from '../package.json';

type Schema = Record<string, unknown>;

interface Described {
    readonly type?: string;
    readonly flags?: Record<string, unknown>;
    readonly keys?: Record<string, Described>;
    readonly items?: readonly Described[];
    readonly matches?: readonly { readonly schema?: Described; readonly then?: Described; readonly otherwise?: Described }[];
    readonly rules?: readonly { readonly name: string; readonly args?: Record<string, unknown> }[];
    readonly allow?: readonly unknown[];
}

// joi marks an allow-list that replaces the previous one with this object.
const values = (d: Described): unknown[] => (d.allow ?? []).filter((v) => !(typeof v === 'object' && v !== null && 'override' in v));

const ruleArg = (d: Described, name: string): unknown => d.rules?.find((r) => r.name === name)?.args?.limit;

const numeric = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

// A regex as joi describes it ("/^a$/i") to the pattern OpenAPI takes (its
// flags dropped); an inverted one (what a text must not hold) has no such form.
const patternOf = (d: Described): string | undefined => {
    const rule = d.rules?.find((r) => r.name === 'pattern' && (r.args?.options as { invert?: boolean } | undefined)?.invert !== true);
    const regex = rule?.args?.regex;
    return typeof regex === 'string' ? regex.slice(1, regex.lastIndexOf('/')) : undefined;
};

const defined = (schema: Schema): Schema => Object.fromEntries(Object.entries(schema).filter(([, v]) => v !== undefined));

const stringSchema = (d: Described): Schema => defined({
    type: 'string',
    minLength: numeric(ruleArg(d, 'min')) ?? numeric(ruleArg(d, 'length')),
    maxLength: numeric(ruleArg(d, 'max')) ?? numeric(ruleArg(d, 'length')),
    pattern: patternOf(d),
    format: d.rules?.some((r) => r.name === 'isoDate') ? 'date-time' : d.rules?.some((r) => r.name === 'uri') ? 'uri' : d.rules?.some((r) => r.name === 'guid') ? 'uuid' : undefined
});

const numberSchema = (d: Described): Schema => {
    const greater = numeric(ruleArg(d, 'greater'));
    const less = numeric(ruleArg(d, 'less'));
    return defined({
        type: d.rules?.some((r) => r.name === 'integer') ? 'integer' : 'number',
        minimum: greater ?? numeric(ruleArg(d, 'min')),
        exclusiveMinimum: greater === undefined ? undefined : true,
        maximum: less ?? numeric(ruleArg(d, 'max')),
        exclusiveMaximum: less === undefined ? undefined : true
    });
};

const present = (d: Described): boolean => d.flags?.presence !== 'forbidden';

const objectSchema = (d: Described): Schema => {
    const keys = Object.entries(d.keys ?? {}).filter(([, key]) => present(key));
    const required = keys.filter(([, key]) => key.flags?.presence === 'required').map(([name]) => name);
    return defined({
        type: 'object',
        ...(d.keys === undefined ? {} : { properties: Object.fromEntries(keys.map(([name, key]) => [name, schemaOf(key)])) }),
        required: required.length > 0 ? required : undefined,
        // joi refuses keys it was not told of, unless told to take them.
        additionalProperties: d.keys !== undefined && d.flags?.unknown !== true ? false : undefined
    });
};

const arraySchema = (d: Described): Schema => {
    const items = (d.items ?? []).map(schemaOf);
    return defined({
        type: 'array',
        items: items.length === 1 ? items[0] : items.length > 1 ? { anyOf: items } : {},
        minItems: numeric(ruleArg(d, 'min')) ?? numeric(ruleArg(d, 'length')),
        maxItems: numeric(ruleArg(d, 'max')) ?? numeric(ruleArg(d, 'length')),
        uniqueItems: d.rules?.some((r) => r.name === 'unique') ? true : undefined
    });
};

const alternativesSchema = (d: Described): Schema => ({
    anyOf: (d.matches ?? []).flatMap((m) => [m.schema, m.then, m.otherwise]).filter((s): s is Described => s !== undefined).map(schemaOf)
});

const typed = (d: Described): Schema => {
    switch (d.type) {
        case 'string': return stringSchema(d);
        case 'number': return numberSchema(d);
        case 'boolean': return { type: 'boolean' };
        case 'date': return { type: 'string', format: 'date-time' };
        case 'object': return objectSchema(d);
        case 'array': return arraySchema(d);
        case 'alternatives': return alternativesSchema(d);
        default: return {};
    }
};

// One joi description as an OpenAPI 3.0 schema: its type and rules, an
// allow-list as an enum, null as nullable, its default and label.
export const schemaOf = (d: Described): Schema => {
    const allowed = values(d);
    const base = d.flags?.only === true ? { enum: allowed } : typed(d);
    const nullable = d.flags?.only !== true && allowed.includes(null);
    const fallback = d.flags?.default;
    return defined({
        ...base,
        nullable: nullable ? true : undefined,
        default: ['string', 'number', 'boolean'].includes(typeof fallback) || fallback === null ? fallback : undefined,
        title: typeof d.flags?.label === 'string' ? d.flags.label : undefined
    });
};

const describe = (schema: unknown): Described | null =>
    schema !== null && typeof schema === 'object' && 'describe' in schema && typeof schema.describe === 'function' ? (schema as Joi.Schema).describe() as Described : null;

// hapi's {name}, {name?} and {name*} are OpenAPI's {name}.
const openApiPath = (path: string): string => path.replace(/\{(\w+)[?*]?\d*\}/g, '{$1}');

const PATH_PARAM = /\{(\w+)\}/g;

const parameters = (route: RequestRoute): Schema[] => {
    const validate = route.settings.validate ?? {};
    const params = describe(validate.params)?.keys ?? {};
    const query = describe(validate.query)?.keys ?? {};
    const inPath = [...openApiPath(route.path).matchAll(PATH_PARAM)].map((m) => m[1] ?? '');
    return [
        ...inPath.map((name) => ({ name, in: 'path', required: true, schema: params[name] ? schemaOf(params[name]) : { type: 'string' } })),
        ...Object.entries(query).filter(([, d]) => present(d)).map(([name, d]) => defined({
            name, in: 'query', required: d.flags?.presence === 'required' ? true : undefined, schema: schemaOf(d)
        }))
    ];
};

const ERROR = { $ref: '#/components/schemas/Error' };

const operation = (route: RequestRoute): Schema => {
    const payload = describe(route.settings.validate?.payload);
    // An anonymous route's settings say `auth: false` (which hapi's types do not allow for).
    const auth: unknown = route.settings.auth;
    const authenticated = typeof auth === 'object' && auth !== null;
    return defined({
        operationId: `${route.method}${route.path.replace(/\*/g, '_any').replace(/[^A-Za-z0-9]+/g, '_')}`,
        parameters: parameters(route),
        requestBody: payload === null ? undefined : {
            required: payload.flags?.presence === 'required' || !values(payload).includes(null),
            content: { 'application/json': { schema: schemaOf(payload) } }
        },
        responses: {
            '2XX': { description: 'Done: the contract (docs/contract.md) gives each route\'s answer' },
            default: { description: 'An error, in the contract\'s shape', content: { 'application/json': { schema: ERROR } } }
        },
        security: authenticated ? [{ keystoneToken: [] }] : []
    });
};

// Our routes as hapi holds them (the plugin's realm), but for the catch-all
// that renders an unknown path's 404: it is no operation.
export const documentedRoutes = (server: Server): RequestRoute[] =>
    server.table().filter((route) => route.realm.plugin === 'nova-autoscale' && route.method !== '*');

export const openApiDocument = (server: Server): Schema => {
    const paths: Record<string, Record<string, Schema>> = {};
    for (const route of documentedRoutes(server)) {
        (paths[openApiPath(route.path)] ??= {})[route.method] = operation(route);
    }

    return {
        openapi: '3.0.3',
        info: { title: 'nova-autoscale', version, description: 'Auto-scaling groups of OpenStack Nova servers (docs/contract.md)' },
        paths,
        components: {
            securitySchemes: { keystoneToken: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' } },
            schemas: {
                Error: {
                    type: 'object',
                    required: ['error'],
                    properties: {
                        error: {
                            type: 'object',
                            required: ['code', 'type', 'message', 'details'],
                            properties: { code: { type: 'integer' }, type: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } }
                        }
                    }
                }
            }
        }
    };
};

// Made once, on the first request: the routes are all in place by then.
export const openApiRoutes = (): ServerRoute[] => {
    let document: Schema | null = null;
    return [{
        method: 'GET',
        path: '/openapi.json',
        options: { auth: false },
        handler: (request) => (document ??= openApiDocument(request.server))
    }];
};
