// The demo host's own little alert API (contract §6): alert rules kept in
// memory, and transitions a user posts by hand. It uses only what the plugin
// exposes on server.plugins['nova-autoscale'] (actionSchema, validateAction,
// alertTransition, strategy) and what the package exports (its errors and how
// they render, the tenant scope), as a real monitoring server would.
// Register it after nova-autoscale.
import { randomUUID } from 'node:crypto';
import type { Plugin, RouteOptions } from '@hapi/hapi';
import Joi from 'joi';
import { DomainError, renderErrors, TENANT_SCOPE, validationFailed, type AlertState, type AutoscaleAction } from '../plugin';

interface AlertRule {
    readonly name: string;
    readonly actions: readonly AutoscaleAction[];
    state: AlertState;
}

const states: AlertState[] = ['OK', 'WARNING', 'CRITICAL'];
const id = Joi.string().min(1).max(256);
const ruleParams = Joi.object({ tenantId: id.required(), ruleId: id.required() });

export const monitoringApi: Plugin<void> = {
    name: 'monitoring-api',
    dependencies: 'nova-autoscale',
    register: (server) => {
        const autoscale = server.plugins['nova-autoscale'];
        const rules = new Map<string, AlertRule>();
        const keyOf = (params: { tenantId: string; ruleId: string }) => `${params.tenantId}/${params.ruleId}`;
        const options = (payload: Joi.Schema): RouteOptions => ({
            auth: { strategy: autoscale.strategy, access: { scope: TENANT_SCOPE } },
            validate: { params: ruleParams, payload, failAction: validationFailed }
        });

        server.ext('onPreResponse', renderErrors, { sandbox: 'plugin' });
        server.route([
            {
                method: 'PUT',
                path: '/monitoring/v1/{tenantId}/alert-rules/{ruleId}',
                options: options(Joi.object({ name: Joi.string().min(1).max(256).required(), actions: Joi.array().items(autoscale.actionSchema).max(25).required() })),
                handler: async (request, h) => {
                    const params = request.params as { tenantId: string; ruleId: string };
                    const body = request.payload as { name: string; actions: unknown[] };
                    const actions: AutoscaleAction[] = [];
                    for (const [i, action] of body.actions.entries()) {
                        try {
                            actions.push(await autoscale.validateAction(params.tenantId, action));
                        }
                        catch (err) {
                            if (err instanceof DomainError && err.kind === 'bad_request') {
                                throw new DomainError('bad_request', err.type, `actions[${i}]: ${err.message}`, { field: `actions.${i}.${String(err.details.field)}` });
                            }

                            throw err;
                        }
                    }

                    const existing = rules.get(keyOf(params));
                    const rule: AlertRule = { name: body.name, actions, state: existing?.state ?? 'OK' };
                    rules.set(keyOf(params), rule);
                    return h.response({ rule: { id: params.ruleId, ...rule } }).code(existing ? 200 : 201);
                }
            },
            {
                method: 'POST',
                path: '/monitoring/v1/{tenantId}/alert-rules/{ruleId}/transitions',
                options: options(Joi.object({ state: Joi.string().valid(...states).required(), eventId: id })),
                handler: async (request, h) => {
                    const params = request.params as { tenantId: string; ruleId: string };
                    const body = request.payload as { state: AlertState; eventId?: string };
                    const rule = rules.get(keyOf(params));
                    if (!rule) {
                        throw new DomainError('not_found', 'NoSuchAlertRuleError', `No such alert rule: ${params.ruleId}`);
                    }

                    const outcome = await autoscale.alertTransition({
                        tenantId: params.tenantId, ruleId: params.ruleId, eventId: body.eventId ?? randomUUID(),
                        at: autoscale.settings.clock.now(), from: rule.state, to: body.state, actions: rule.actions,
                        requestId: request.info.id      // the decision's log line names this request
                    });
                    if (outcome.status === 'taken') {
                        rule.state = body.state;
                    }

                    return h.response({ outcome }).code(202);
                }
            }
        ]);
    }
};
