// A group's scaling policies.
import type { ServerRoute } from '@hapi/hapi';
import { storeOf, tenantAuth, tenantRoot, type Runtime } from '../runtime';
import * as Schemas from '../schemas';
import { pageLinks, policyView, toPolicySpec, type PolicyBody } from '../wire';
import { scheduledInFuture } from './groups';
import { groupIdOf, policyIdOf, tenantIdOf } from './params';
import { validate } from './validate';


export const policyRoutes = (runtime: Runtime): ServerRoute[] => {
    const auth = tenantAuth(runtime);
    const path = '/v1.0/{tenantId}/groups/{groupId}/policies';
    return [
        {
            method: 'GET',
            path,
            options: { auth, validate: validate({ params: Schemas.groupParams, query: Schemas.pageQuery }) },
            handler: async (request) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request);
                const { limit, marker } = request.query as { limit: number; marker?: string };
                const page = await storeOf(runtime).listPolicies(tenantId, groupId, { limit, marker });
                const base = tenantRoot(runtime, request, tenantId);
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
                scheduledInFuture(specs, runtime.settings.clock.now(), (i) => `${i}.args.at`);
                const created = await storeOf(runtime).createPolicies(tenantId, groupId, specs, runtime.settings.limits);
                const base = tenantRoot(runtime, request, tenantId);
                return h.response({ policies: created.map((policy) => policyView(base, policy)) }).code(201);
            }
        },
        {
            method: 'GET',
            path: `${path}/{policyId}`,
            options: { auth, validate: validate({ params: Schemas.policyParams }) },
            handler: async (request) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request), policyId = policyIdOf(request);
                const policy = await storeOf(runtime).getPolicy(tenantId, groupId, policyId);
                return { policy: policyView(tenantRoot(runtime, request, tenantId), policy) };
            }
        },
        {
            method: 'PUT',
            path: `${path}/{policyId}`,
            options: { auth, validate: validate({ params: Schemas.policyParams, payload: Schemas.policy }) },
            handler: async (request, h) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request), policyId = policyIdOf(request);
                const spec = toPolicySpec(request.payload as PolicyBody);
                scheduledInFuture([spec], runtime.settings.clock.now(), () => 'args.at');
                await storeOf(runtime).updatePolicy(tenantId, groupId, policyId, spec);
                return h.response().code(204);
            }
        },
        {
            method: 'DELETE',
            path: `${path}/{policyId}`,
            options: { auth, validate: validate({ params: Schemas.policyParams }) },
            handler: async (request, h) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request), policyId = policyIdOf(request);
                await storeOf(runtime).deletePolicy(tenantId, groupId, policyId);
                return h.response().code(204);
            }
        }
    ];
};
