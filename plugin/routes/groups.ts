// Groups, their config, launch configuration, state, and pause/resume.
import type { Request, ResponseToolkit, ServerRoute } from '@hapi/hapi';
import { badRequest } from '../../core/model/errors';
import type { TenantId } from '../../core/model/ids';
import type { Group, GroupConfig, LaunchConfig } from '../../core/model/group';
import type { Policy, PolicySpec } from '../../core/model/policy';
import { apiRoot, customerToken, tenantAuth, tenantRoot, whoOf, type Context } from '../context';
import * as Schemas from '../schemas';
import {
    configView, groupSummaryView, groupView, launchView, links, pageLinks, policyView, stateView, toPolicySpec, webhookView, type PolicyBody
} from '../wire';
import { groupIdOf, tenantIdOf } from './params';
import { validate } from './validate';

// A schedule's `at` must still be ahead of us; the clock is the plugin's.
export const scheduledInFuture = (specs: readonly PolicySpec[], now: Date, field: (i: number) => string): void => {
    specs.forEach((spec, i) => {
        if (spec.trigger.type === 'schedule' && 'at' in spec.trigger.args && Date.parse(spec.trigger.args.at) <= now.getTime()) {
            throw badRequest(field(i), `"${field(i)}" must be in the future`);
        }
    });
};

export const groupRoutes = (context: Context): ServerRoute[] => {
    const auth = tenantAuth(context);
    const policyViews = (request: Request, tenantId: TenantId, policies: readonly Policy[]) =>
        policies.map((policy) => policyView(tenantRoot(context, request, tenantId), policy));
    // Where the tenant's servers live; a view without it shows no links (and the log says why).
    const endpointOf = async (request: Request, tenantId: TenantId): Promise<string | null> => {
        const { endpoint, warning } = await context.engine.serverEndpoint(tenantId);
        if (warning !== null) {
            request.log(['nova-autoscale', 'nova', 'links', 'warn'], warning);
        }

        return endpoint;
    };
    // Where the groups' active servers live, for their links; asked only when there are some.
    const endpointFor = (request: Request, tenantId: TenantId, groups: readonly Group[]): Promise<string | null> =>
        groups.some((group) => group.state.active.length > 0) ? endpointOf(request, tenantId) : Promise.resolve(null);

    return [
        {
            method: 'GET',
            path: '/v1.0/{tenantId}/groups',
            options: { auth, validate: validate({ params: Schemas.tenantParams, query: Schemas.pageQuery }) },
            handler: async (request) => {
                const tenantId = tenantIdOf(request);
                const { limit, marker } = request.query as { limit: number; marker?: string };
                const page = await context.engine.groups.listGroups(tenantId, { limit, marker });
                const base = tenantRoot(context, request, tenantId);
                const endpoint = await endpointFor(request, tenantId, page.items);
                return {
                    groups: page.items.map((group) => groupSummaryView(base, group, endpoint)),
                    groups_links: pageLinks(`${base}/groups`, limit, page.next)
                };
            }
        },
        {
            method: 'POST',
            path: '/v1.0/{tenantId}/groups',
            options: { auth, validate: validate({ params: Schemas.tenantParams, payload: Schemas.createGroup }) },
            handler: async (request, h: ResponseToolkit) => {
                const tenantId = tenantIdOf(request);
                const body = request.payload as { groupConfiguration: GroupConfig; launchConfiguration: LaunchConfig; scalingPolicies: PolicyBody[] };
                const policies = body.scalingPolicies.map(toPolicySpec);
                scheduledInFuture(policies, context.settings.clock.now(), (i) => `scalingPolicies.${i}.args.at`);
                const created = await context.engine.groups.createGroup(tenantId, {
                    config: body.groupConfiguration, launch: body.launchConfiguration, policies
                }, customerToken(request));
                const base = tenantRoot(context, request, tenantId);
                // A new group has no servers yet: no links to look up.
                return h.response({ group: groupView(base, created.group, policyViews(request, tenantId, created.policies), null) })
                    .code(201).location(links.group(base, created.group));
            }
        },
        {
            method: 'GET',
            path: '/v1.0/{tenantId}/groups/{groupId}',
            options: { auth, validate: validate({ params: Schemas.groupParams, query: Schemas.groupQuery }) },
            handler: async (request) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request);
                const { group, policies } = await context.engine.groups.getGroupWithPolicies(tenantId, groupId);
                const views = policyViews(request, tenantId, policies);
                const base = tenantRoot(context, request, tenantId);
                const endpoint = await endpointFor(request, tenantId, [group]);
                if (!(request.query as { webhooks: boolean }).webhooks) {
                    return { group: groupView(base, group, views, endpoint) };
                }

                // Otter's ?webhooks=true: each policy carries its webhooks.
                const hooks = await context.engine.groups.webhooksOfGroup(tenantId, groupId);
                const withHooks = views.map((view) => ({
                    ...view,
                    webhooks: hooks.filter((hook) => hook.policyId === view.id).map((hook) => webhookView(base, hook, apiRoot(context, request))),
                    webhooks_links: []
                }));
                return { group: groupView(base, group, withHooks, endpoint) };
            }
        },
        {
            method: 'DELETE',
            path: '/v1.0/{tenantId}/groups/{groupId}',
            options: { auth, validate: validate({ params: Schemas.groupParams, query: Schemas.deleteGroupQuery }) },
            handler: async (request, h) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request);
                // 204: deleted now; 202: servers remain, the converger deletes them, then the group.
                const done = await context.engine.groups.deleteGroup(tenantId, groupId, (request.query as { force: boolean }).force, whoOf(request));
                return h.response().code(done === 'deleted' ? 204 : 202);
            }
        },
        {
            method: 'GET',
            path: '/v1.0/{tenantId}/groups/{groupId}/config',
            options: { auth, validate: validate({ params: Schemas.groupParams }) },
            handler: async (request) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request);
                const group = await context.engine.groups.getGroup(tenantId, groupId);
                return { groupConfiguration: configView(group.config) };
            }
        },
        {
            method: 'PUT',
            path: '/v1.0/{tenantId}/groups/{groupId}/config',
            options: { auth, validate: validate({ params: Schemas.groupParams, payload: Schemas.groupConfiguration }) },
            handler: async (request, h) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request);
                await context.engine.groups.updateConfig(tenantId, groupId, request.payload as GroupConfig, whoOf(request));
                return h.response().code(204);
            }
        },
        {
            method: 'GET',
            path: '/v1.0/{tenantId}/groups/{groupId}/launch',
            options: { auth, validate: validate({ params: Schemas.groupParams }) },
            handler: async (request) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request);
                const group = await context.engine.groups.getGroup(tenantId, groupId);
                return { launchConfiguration: launchView(group.launch) };
            }
        },
        {
            method: 'PUT',
            path: '/v1.0/{tenantId}/groups/{groupId}/launch',
            options: { auth, validate: validate({ params: Schemas.groupParams, payload: Schemas.launchConfiguration }) },
            handler: async (request, h) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request);
                await context.engine.groups.updateLaunch(tenantId, groupId, request.payload as LaunchConfig, customerToken(request));
                return h.response().code(204);
            }
        },
        {
            method: 'GET',
            path: '/v1.0/{tenantId}/groups/{groupId}/state',
            options: { auth, validate: validate({ params: Schemas.groupParams }) },
            handler: async (request) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request);
                const group = await context.engine.groups.getGroup(tenantId, groupId);
                return { group: stateView(group, await endpointFor(request, tenantId, [group])) };
            }
        },
        ...(['pause', 'resume'] as const).map((action): ServerRoute => ({
            method: 'POST',
            path: `/v1.0/{tenantId}/groups/{groupId}/${action}`,
            options: { auth, validate: validate({ params: Schemas.groupParams }) },
            handler: async (request, h) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request);
                await context.engine.supervisor.setPaused(tenantId, groupId, action === 'pause', whoOf(request));
                return h.response().code(204);
            }
        }))
    ];
};
