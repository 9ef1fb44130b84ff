// Overrides: a pin of desired capacity (or of the bounds) with a reason and
// an expiry. The tenant sets its own here; an admin sets any (routes/admin.ts).
import type { Lifecycle, Request, RouteOptions, ServerRoute } from '@hapi/hapi';
import { badRequest } from '../../core/model/errors';
import type { ActivitySource } from '../../core/model/activity';
import { tenantAuth, whoOf, type Context } from '../context';
import * as Schemas from '../schemas';
import { overrideView } from '../wire';
import { groupIdOf, tenantIdOf } from './params';
import { validate } from './validate';

// A pin nobody remembers should not outlive the month.
export const maxOverrideDays = 30;

interface OverrideBody {
    desiredCapacity?: number;
    minEntities?: number;
    maxEntities?: number;
    reason: string;
    expiresAt: string;
}

// An expiry must lie ahead of the plugin's clock (and, when given, within maxDays of it).
export const expiryOf = (context: Context, value: string, maxDays: number | null): Date => {
    const now = context.settings.clock.now().getTime();
    const expiresAt = new Date(value);
    if (expiresAt.getTime() <= now) {
        throw badRequest('expiresAt', '"expiresAt" must be in the future');
    }

    if (maxDays !== null && expiresAt.getTime() > now + maxDays * 86_400_000) {
        throw badRequest('expiresAt', `"expiresAt" must be at most ${maxDays} days ahead`);
    }

    return expiresAt;
};

interface OverrideHandlers {
    get: Lifecycle.Method;
    put: Lifecycle.Method;
    delete: Lifecycle.Method;
}

// The same three handlers serve the tenant's routes and the admin's; only the
// activity source differs.
export const overrideHandlers = (context: Context, source: ActivitySource): OverrideHandlers => ({
    // No override in force is `{override: null}`, not a 404: a 404 here always
    // means the group itself is unknown (or another tenant's).
    get: async (request: Request) => {
        const override = await context.engine.supervisor.getOverride(tenantIdOf(request), groupIdOf(request));
        return { override: override ? overrideView(override) : null };
    },
    put: async (request, h) => {
        const body = request.payload as OverrideBody;
        const expiresAt = expiryOf(context, body.expiresAt, maxOverrideDays);
        await context.engine.supervisor.setOverride(tenantIdOf(request), groupIdOf(request), {
            desiredCapacity: body.desiredCapacity ?? null, minEntities: body.minEntities ?? null, maxEntities: body.maxEntities ?? null,
            reason: body.reason, expiresAt, who: whoOf(request)
        }, source);
        return h.response().code(204);
    },
    delete: async (request, h) => {
        await context.engine.supervisor.clearOverride(tenantIdOf(request), groupIdOf(request), whoOf(request), source);
        return h.response().code(204);
    }
});

export const overrideRoutesAt = (path: string, auth: RouteOptions['auth'], handlers: OverrideHandlers): ServerRoute[] => [
    { method: 'GET', path, options: { auth, validate: validate({ params: Schemas.groupParams }) }, handler: handlers.get },
    { method: 'PUT', path, options: { auth, validate: validate({ params: Schemas.groupParams, payload: Schemas.override }) }, handler: handlers.put },
    { method: 'DELETE', path, options: { auth, validate: validate({ params: Schemas.groupParams }) }, handler: handlers.delete }
];

export const overrideRoutes = (context: Context): ServerRoute[] =>
    overrideRoutesAt('/v1.0/{tenantId}/groups/{groupId}/override', tenantAuth(context), overrideHandlers(context, 'manual'));
