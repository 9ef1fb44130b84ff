// A group's scaling policies.
import type { ServerRoute } from '@hapi/hapi';
import { tenantAuth, tenantRoot, type Context } from '../context';
import * as Schemas from '../schemas';
import { pageLinks, policyView, toPolicySpec, type PolicyBody } from '../wire';
import { scheduledInFuture } from './groups';
import { groupIdOf, policyIdOf, tenantIdOf } from './params';
import { validate } from './validate';


export const policyRoutes = (context: Context): ServerRoute[] => {
    const auth = tenantAuth(context);
    const path = '/v1.0/{tenantId}/groups/{groupId}/policies';
    return [
        {
            method: 'GET',
            path,
            options: { auth, validate: validate({ params: Schemas.groupParams, query: Schemas.pageQuery }) },
            handler: async (request) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request);
                const { limit, marker } = request.query as { limit: number; marker?: string };
                const page = await context.engine.groups.listPolicies(tenantId, groupId, { limit, marker });
                const base = tenantRoot(context, request, tenantId);
                return {
                    policies: page.items.map((policy) => policyView(base, policy)),
                    policies_links: pageLinks(`${base}/groups/${groupId}/policies`, limit, page.next)
                };
            }
        },
        {
            method: 'POST',
            path,
            options: { auth, validate: validate({ params: Schemas.groupParams, payload: Schemas.policies }) },
            handler: async (request, h) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request);
                const specs = (request.payload as PolicyBody[]).map(toPolicySpec);
                scheduledInFuture(specs, context.settings.clock.now(), (i) => `${i}.args.at`);
                const created = await context.engine.groups.createPolicies(tenantId, groupId, specs);
                const base = tenantRoot(context, request, tenantId);
                return h.response({ policies: created.map((policy) => policyView(base, policy)) }).code(201);
            }
        },
        {
            method: 'GET',
            path: `${path}/{policyId}`,
            options: { auth, validate: validate({ params: Schemas.policyParams }) },
            handler: async (request) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request), policyId = policyIdOf(request);
                const policy = await context.engine.groups.getPolicy(tenantId, groupId, policyId);
                return { policy: policyView(tenantRoot(context, request, tenantId), policy) };
            }
        },
        {
            method: 'PUT',
            path: `${path}/{policyId}`,
            options: { auth, validate: validate({ params: Schemas.policyParams, payload: Schemas.policy }) },
            handler: async (request, h) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request), policyId = policyIdOf(request);
                const spec = toPolicySpec(request.payload as PolicyBody);
                scheduledInFuture([spec], context.settings.clock.now(), () => 'args.at');
                await context.engine.groups.updatePolicy(tenantId, groupId, policyId, spec);
                return h.response().code(204);
            }
        },
        {
            method: 'DELETE',
            path: `${path}/{policyId}`,
            options: { auth, validate: validate({ params: Schemas.policyParams }) },
            handler: async (request, h) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request), policyId = policyIdOf(request);
                await context.engine.groups.deletePolicy(tenantId, groupId, policyId);
                return h.response().code(204);
            }
        }
    ];
};
