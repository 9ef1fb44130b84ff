// GET /autoscale/openapi.json (plugin/openapi.ts, contract §10): a valid
// OpenAPI 3 document, checked against the OpenAPI schema, with every route of
// the plugin in it, each path parameter declared, and the routes' own joi
// schemas as its parameters and bodies.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
import SwaggerParser from '@apidevtools/swagger-parser';
import { documentedRoutes } from '../plugin/openapi';
import { tableValidator } from './support/identity';
import { field, testServer } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

interface Operation {
    readonly parameters: readonly { readonly name: string; readonly in: string; readonly required?: boolean; readonly schema: Record<string, unknown> }[];
    readonly requestBody?: { readonly content: { readonly 'application/json': { readonly schema: Record<string, unknown> } } };
    readonly security: readonly unknown[];
}

describe('OpenAPI document', () => {
    let server: Hapi.Server;
    let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };

    before(async () => {
        server = await testServer({ validator: tableValidator({}) });
        const res = await server.inject('/autoscale/openapi.json');     // no token: the document is public
        expect(res.statusCode).to.equal(200);
        expect(String(res.headers['content-type'])).to.startWith('application/json');
        doc = JSON.parse(res.payload) as typeof doc;
    });

    after(() => server.stop());

    const op = (path: string, method: string): Operation => {
        const found = doc.paths[`/autoscale${path}`]?.[method];
        expect(found, `${method} ${path}`).to.exist();
        return found as Operation;
    };

    it('is valid OpenAPI 3.0 by the OpenAPI schema', async () => {
        expect(doc.openapi).to.equal('3.0.3');
        await SwaggerParser.validate(structuredClone(doc) as unknown as Parameters<typeof SwaggerParser.validate>[0]);
    });

    it('holds every route of the plugin but the catch-all that renders an unknown path\'s 404, and no other', () => {
        const ours = server.table().filter((r) => r.realm.plugin === 'nova-autoscale');
        const documented = documentedRoutes(server);
        expect(ours.filter((r) => !documented.includes(r)).map((r) => `${r.method} ${r.path}`)).to.equal(['* /autoscale/{any*}']);
        expect(documented.length).to.be.at.least(40);
        const listed = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`)).sort();
        expect(listed).to.equal(documented.map((r) => `${r.method} ${r.path.replace('{capability*}', '{capability}')}`).sort());
    });

    it('declares each path parameter of each operation, as required', () => {
        for (const [path, methods] of Object.entries(doc.paths)) {
            const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
            for (const [method, operation] of Object.entries(methods)) {
                expect(operation.parameters.filter((p) => p.in === 'path').map((p) => [p.name, p.required]), `${method} ${path}`).to.equal(names.map((n) => [n, true]));
            }
        }
    });

    it('takes its bodies and queries from the routes\' joi schemas', () => {
        const create = op('/v1.0/{tenantId}/groups', 'post').requestBody?.content['application/json'].schema;
        expect(field(create, 'required')).to.equal(['groupConfiguration', 'launchConfiguration']);
        expect(field(create, 'additionalProperties')).to.be.false();
        expect(field(create, 'properties', 'groupConfiguration', 'properties', 'cooldown')).to.include({ type: 'integer', minimum: 0 });
        const execute = op('/v1.0/{tenantId}/groups/{groupId}/policies/{policyId}/execute', 'post').requestBody?.content['application/json'].schema;
        expect(field(execute, 'properties', 'force')).to.equal({ type: 'boolean' });
        expect(field(execute, 'nullable')).to.be.true();
        const history = op('/admin/kill-switches', 'get').parameters.map((p) => [p.in, p.name, p.schema.type]);
        expect(history).to.equal([['query', 'history', 'boolean'], ['query', 'limit', 'integer'], ['query', 'marker', 'string']]);
        expect(op('/admin/kill-switches/{scope}', 'put').parameters[0]?.schema).to.include({ type: 'string', pattern: '^(global|region:.{1,255})$' });
    });

    it('asks a token of every route but the anonymous ones (capability URLs, workflow callbacks, health, the document itself, the operator page\'s files)', () => {
        const anonymous = Object.entries(doc.paths).flatMap(([path, methods]) =>
            Object.entries(methods).filter(([, o]) => o.security.length === 0).map(([method]) => `${method} ${path.replace('/autoscale', '')}`)).sort();
        expect(anonymous).to.equal([
            'get /health', 'get /openapi.json', 'post /v1.0/execute/1/{capability}', 'post /v1.0/workflow/1/{token}',
            'get /admin/ui', 'get /admin/ui/app.js', 'get /admin/ui/app.css'
        ].sort());
    });
});
