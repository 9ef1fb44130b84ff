// A group's workflow (contract §7): what runs between Nova's ACTIVE and in
// service, and before a server's delete. A change applies to servers that
// join after it.
import type { ServerRoute } from '@hapi/hapi';
import { badRequest } from '../../core/model/errors';
import type { WorkflowConfig, WorkflowEvent, WorkflowResult } from '../../core/model/workflow';
import { tenantAuth, type Context } from '../context';
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

const configOf = (body: WorkflowBody): WorkflowConfig => {
    if (body.type === 'builtin') {
        return { type: 'builtin' };
    }

    // Checked in full, then refused while deliveries are not sent: a webhook
    // that is never called would leave the customer believing it works.
    if (body.type === 'webhook') {
        throw badRequest('type', '"type" webhook is not taken yet: deliveries to a customer\'s webhook are not sent; use "builtin"');
    }

    return { type: 'host', name: body.type };
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
                const workflow = configOf(request.payload as WorkflowBody);
                await context.engine.groups.setWorkflow(tenantIdOf(request), groupIdOf(request), workflow);
                return { workflow: workflowView(workflow) };
            }
        }
    ];
};
