// Admin routes (contract §5): kill-switches, overrides of any tenant's group,
// and a forced execute. Only a token with the admin role gets past hapi's scope check.
import type { ServerRoute } from '@hapi/hapi';
import { DomainError } from '../../core/model/errors';
import { parseScope, type KillSwitch, type KillSwitchScope } from '../../core/model/kill-switch';
import { adminAuth, origin, whoOf, type Context } from '../context';
import * as Schemas from '../schemas';
import { killSwitchEventView, killSwitchView, pageLinks } from '../wire';
import { refusedOr202 } from './execute';
import { expiryOf, overrideHandlers, overrideRoutesAt } from './override';
import { groupIdOf, policyIdOf, tenantIdOf } from './params';
import { validate } from './validate';

interface KillSwitchBody {
    mode: KillSwitch['mode'];
    reason: string;
    expiresAt?: string;
}

// The route's schema already refused anything else; a wiring slip is still a 400, not a crash.
const scopeOf = (raw: unknown): KillSwitchScope => {
    const scope = parseScope(String(raw ?? ''));
    if (!scope) {
        throw new DomainError('bad_request', 'ValidationError', '"scope" must be "global" or "region:{name}"', { field: 'scope' });
    }

    return scope;
};

export const adminRoutes = (context: Context): ServerRoute[] => {
    const auth = adminAuth(context);
    return [
        {
            // Only switches still in force: an expired one stops nothing. With
            // ?history=true, every set and clear instead, newest first, in pages.
            method: 'GET',
            path: '/admin/kill-switches',
            options: { auth, validate: validate({ query: Schemas.killSwitchQuery }) },
            handler: async (request) => {
                const query = request.query as { history: boolean; limit: number; marker?: string };
                if (query.history) {
                    const page = await context.engine.supervisor.killSwitchHistory({ limit: query.limit, marker: query.marker });
                    const href = `${origin(context, request)}${context.prefix}/admin/kill-switches?history=true`;
                    return { history: page.items.map(killSwitchEventView), history_links: pageLinks(href, query.limit, page.next) };
                }

                const switches = await context.engine.supervisor.listKillSwitches();
                return { killSwitches: switches.map(killSwitchView) };
            }
        },
        {
            method: 'PUT',
            path: '/admin/kill-switches/{scope}',
            options: { auth, validate: validate({ params: Schemas.killSwitchParams, payload: Schemas.killSwitch }) },
            handler: async (request, h) => {
                const body = request.payload as KillSwitchBody;
                await context.engine.supervisor.setKillSwitch({
                    scope: scopeOf(request.params.scope), mode: body.mode, reason: body.reason, who: whoOf(request),
                    expiresAt: body.expiresAt === undefined ? null : expiryOf(context, body.expiresAt, null)
                });
                return h.response().code(204);
            }
        },
        {
            method: 'DELETE',
            path: '/admin/kill-switches/{scope}',
            options: { auth, validate: validate({ params: Schemas.killSwitchParams }) },
            handler: async (request, h) => {
                const scope = String(request.params.scope);
                if (!(await context.engine.supervisor.clearKillSwitch(scopeOf(scope), whoOf(request)))) {
                    throw new DomainError('not_found', 'NoSuchKillSwitchError', `No kill-switch ${scope}`);
                }

                return h.response().code(204);
            }
        },
        ...overrideRoutesAt('/admin/tenants/{tenantId}/groups/{groupId}/override', auth, overrideHandlers(context, 'admin')),
        {
            // Skips cooldown and debounce, never pause, kill-switches, overrides or bounds.
            method: 'POST',
            path: '/admin/tenants/{tenantId}/groups/{groupId}/policies/{policyId}/execute',
            options: { auth, validate: validate({ params: Schemas.policyParams, payload: Schemas.forcedExecute }) },
            handler: async (request, h) => {
                const result = await context.engine.supervisor.trigger({
                    tenantId: tenantIdOf(request), groupId: groupIdOf(request), policyId: policyIdOf(request),
                    source: 'admin', eventId: null, forced: true, circleBack: false, who: whoOf(request), note: (request.payload as { reason: string }).reason,
                    requestId: request.info.id
                });
                return h.response(refusedOr202(result)).code(202);
            }
        }
    ];
};
