// A policy's webhooks, each with its anonymous capability URL.
import type { ServerRoute } from '@hapi/hapi';
import type { WebhookSpec } from '../../core/model/policy';
import { apiRoot, tenantAuth, tenantRoot, type Context } from '../context';
import * as Schemas from '../schemas';
import { pageLinks, toWebhookSpec, webhookView } from '../wire';
import { groupIdOf, policyIdOf, tenantIdOf, webhookIdOf } from './params';
import { validate } from './validate';


export const webhookRoutes = (context: Context): ServerRoute[] => {
    const auth = tenantAuth(context);
    const path = '/v1.0/{tenantId}/groups/{groupId}/policies/{policyId}/webhooks';
    return [
        {
            method: 'GET',
            path,
            options: { auth, validate: validate({ params: Schemas.policyParams, query: Schemas.pageQuery }) },
            handler: async (request) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request), policyId = policyIdOf(request);
                const { limit, marker } = request.query as { limit: number; marker?: string };
                const page = await context.engine.groups.listWebhooks(tenantId, groupId, policyId, { limit, marker });
                const base = tenantRoot(context, request, tenantId);
                return {
                    webhooks: page.items.map((hook) => webhookView(base, hook, apiRoot(context, request))),
                    webhooks_links: pageLinks(`${base}/groups/${groupId}/policies/${policyId}/webhooks`, limit, page.next)
                };
            }
        },
        {
            method: 'POST',
            path,
            options: { auth, validate: validate({ params: Schemas.policyParams, payload: Schemas.webhooks }) },
            handler: async (request, h) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request), policyId = policyIdOf(request);
                const specs = (request.payload as WebhookSpec[]).map(toWebhookSpec);
                const created = await context.engine.groups.createWebhooks(tenantId, groupId, policyId, specs);
                const base = tenantRoot(context, request, tenantId);
                return h.response({ webhooks: created.map((hook) => webhookView(base, hook, apiRoot(context, request))) }).code(201);
            }
        },
        {
            method: 'GET',
            path: `${path}/{webhookId}`,
            options: { auth, validate: validate({ params: Schemas.webhookParams }) },
            handler: async (request) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request), policyId = policyIdOf(request), webhookId = webhookIdOf(request);
                const hook = await context.engine.groups.getWebhook(tenantId, groupId, policyId, webhookId);
                return { webhook: webhookView(tenantRoot(context, request, tenantId), hook, apiRoot(context, request)) };
            }
        },
        {
            method: 'PUT',
            path: `${path}/{webhookId}`,
            options: { auth, validate: validate({ params: Schemas.webhookParams, payload: Schemas.webhook }) },
            handler: async (request, h) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request), policyId = policyIdOf(request), webhookId = webhookIdOf(request);
                await context.engine.groups.updateWebhook(tenantId, groupId, policyId, webhookId, toWebhookSpec(request.payload as WebhookSpec));
                return h.response().code(204);
            }
        },
        {
            method: 'DELETE',
            path: `${path}/{webhookId}`,
            options: { auth, validate: validate({ params: Schemas.webhookParams }) },
            handler: async (request, h) => {
                const tenantId = tenantIdOf(request), groupId = groupIdOf(request), policyId = policyIdOf(request), webhookId = webhookIdOf(request);
                await context.engine.groups.deleteWebhook(tenantId, groupId, policyId, webhookId);
                return h.response().code(204);
            }
        }
    ];
};
