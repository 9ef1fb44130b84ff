// A group's workflow (contract §7): what runs between Nova's ACTIVE and in
// service, and before a server's delete. A change applies to servers that
// join after it.
import type { Request, ServerRoute } from '@hapi/hapi';
import { badRequest } from '../../core/model/errors';
import type { WorkflowConfig, WorkflowEvent, WorkflowResult } from '../../core/model/workflow';
import { apiRoot, tenantAuth, type Context } from '../context';
import * as Schemas from '../schemas';
import { workflowView } from '../wire';
import { groupIdOf, tenantIdOf } from './params';
import { validate } from './validate';

interface WorkflowBody {
    type: string;
    url?: string;
    secret?: string;
    timeoutS?: number;
    defaultResult?: WorkflowResult;
    events?: WorkflowEvent[];
}

// A webhook's URL is checked (scheme, every address its host stands for)
// before it is written; deliveries check again on every connection.
const configOf = async (context: Context, request: Request, body: WorkflowBody): Promise<WorkflowConfig> => {
    if (body.type === 'builtin') {
        return { type: 'builtin' };
    }

    if (body.type !== 'webhook') {
        return { type: 'host', name: body.type };
    }

    const url = String(body.url);
    const verdict = await context.engine.webhooks.checkUrl(url);
    if (!verdict.ok) {
        throw badRequest('url', `url ${verdict.reason}`);
    }

    // The schema gave the defaults; the callbacks come back where this PUT was addressed.
    return {
        type: 'webhook', url, secret: String(body.secret), timeoutS: Number(body.timeoutS), defaultResult: body.defaultResult ?? 'abandon',
        events: body.events ?? ['launch', 'terminate'], callbackRoot: apiRoot(context, request)
    };
};

export const workflowRoutes = (context: Context): ServerRoute[] => {
    const auth = tenantAuth(context);
    const body = Schemas.workflow(Object.keys(context.settings.workflows));
    return [
        {
            method: 'GET',
            path: '/v1.0/{tenantId}/groups/{groupId}/workflow',
            options: { auth, validate: validate({ params: Schemas.groupParams }) },
            handler: async (request) => ({ workflow: workflowView(await context.engine.groups.getWorkflow(tenantIdOf(request), groupIdOf(request))) })
        },
        {
            method: 'PUT',
            path: '/v1.0/{tenantId}/groups/{groupId}/workflow',
            options: { auth, validate: validate({ params: Schemas.groupParams, payload: body }) },
            handler: async (request) => {
                const workflow = await configOf(context, request, request.payload as WorkflowBody);
                await context.engine.groups.setWorkflow(tenantIdOf(request), groupIdOf(request), workflow);
                return { workflow: workflowView(workflow) };
            }
        }
    ];
};
