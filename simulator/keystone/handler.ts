// Keystone v3 under /identity/v3: version document and /auth/tokens.
import { keystoneError } from '../http/errors';
import { empty, header, json, parseJson, type SimRequest, type SimResponse } from '../http/messages';
import { applicationCredentialRoutes } from './application-credentials';
import type { Ctx } from './context';
import { authenticate } from './auth';
import { tokenBody } from './token-body';
import { matchRoute, type Route } from '../http/router';
import type { SimState } from '../model/state';
import { addMs } from '../model/time';
import type { ValidToken } from './tokens';


export const handleIdentity = async (state: SimState, req: SimRequest): Promise<SimResponse> => {
    const match = matchRoute(routes, req.method, req.path);
    if (match.kind === 'found') {
        return match.route.handler({ state, req }, match.params);
    }

    return match.kind === 'method'
        ? keystoneError(405, 'The method is not allowed for the requested URL.')
        : keystoneError(404, 'The resource could not be found.');
};

const version = ({ state }: Ctx): SimResponse => {
    return json(200, {
        version: {
            id: 'v3.14',
            status: 'stable',
            updated: '2020-04-07T00:00:00Z',
            links: [{ rel: 'self', href: `${state.endpoints.authUrl}/` }],
            'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }]
        }
    });
};

const issue = ({ state, req }: Ctx): SimResponse => {
    const parsed = parseJson(req.rawBody);
    if (!parsed.ok) {
        return keystoneError(400, 'Malformed JSON in request body.');
    }

    const outcome = authenticate(state, parsed.value);
    if (!outcome.ok) {
        return keystoneError(outcome.status, outcome.message);
    }

    const now = state.now();
    const record = state.tokens.mint({
        userId: outcome.user.id,
        projectId: outcome.project?.id ?? null,
        methods: outcome.methods,
        issuedAt: now,
        expiresAt: earliest(addMs(now, state.config.tokenTtlS * 1000), outcome.expiresAt),
        ...(outcome.applicationCredentialId === null ? {} : { applicationCredentialId: outcome.applicationCredentialId })
    });
    const roles = state.tokens.rolesOf(record, state.directory);
    const token: ValidToken = { record, user: outcome.user, project: outcome.project, roles };
    return json(201, tokenBody(state, token, !req.query.has('nocatalog')), { 'X-Subject-Token': record.id });
};

// A rescoped token keeps the original's expiry, and a credential's token ends with the credential.
const earliest = (ttl: Date, bound: Date | null): Date => (bound !== null && bound.getTime() < ttl.getTime() ? bound : ttl);

// The caller may look at a token if it is that token, or holds admin or service on its project.
const authorize = ({ state, req }: Ctx): { readonly ok: true; readonly subject: string } | { readonly ok: false; readonly response: SimResponse } => {
    const callerId = header(req, 'x-auth-token');
    const caller = state.tokens.resolve(callerId, state.now(), state.directory);
    if (!caller) {
        return { ok: false, response: keystoneError(401, 'The request you have made requires authentication.') };
    }

    const subject = header(req, 'x-subject-token') ?? '';
    const privileged = caller.roles.some((r) => r.name === 'admin' || r.name === 'service');
    if (!privileged && subject !== callerId) {
        return { ok: false, response: keystoneError(403, 'You are not authorized to perform the requested action: identity:validate_token.') };
    }

    return { ok: true, subject };
};

const validate = (ctx: Ctx, withBody: boolean): SimResponse => {
    const auth = authorize(ctx);
    if (!auth.ok) {
        return withBody ? auth.response : empty(auth.response.status);
    }

    const { state, req } = ctx;
    const subject = state.tokens.resolve(auth.subject, state.now(), state.directory);
    if (!subject) {
        return withBody ? keystoneError(404, `Could not find token: ${auth.subject}.`) : empty(404);
    }

    return withBody
        ? json(200, tokenBody(state, subject, !req.query.has('nocatalog')), { 'X-Subject-Token': auth.subject })
        : empty(200, { 'X-Subject-Token': auth.subject });
};

const revoke = (ctx: Ctx): SimResponse => {
    const auth = authorize(ctx);
    if (!auth.ok) {
        return auth.response;
    }

    const { state } = ctx;
    if (!state.tokens.resolve(auth.subject, state.now(), state.directory)) {
        return keystoneError(404, `Could not find token: ${auth.subject}.`);
    }

    state.tokens.revoke(auth.subject);
    return empty(204);
};

const routes: readonly Route<Ctx>[] = [
    { method: 'GET', pattern: '/', handler: version },
    { method: 'POST', pattern: '/auth/tokens', handler: issue },
    { method: 'GET', pattern: '/auth/tokens', handler: (ctx) => validate(ctx, true) },
    { method: 'HEAD', pattern: '/auth/tokens', handler: (ctx) => validate(ctx, false) },
    { method: 'DELETE', pattern: '/auth/tokens', handler: revoke },
    ...applicationCredentialRoutes
];
