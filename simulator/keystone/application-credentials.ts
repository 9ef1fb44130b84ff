// /users/{user_id}/application_credentials: a user makes one for the project
// of the token they call with, with that token's roles or fewer, and sees its
// secret once; deleting it ends its tokens.
import { keystoneError, UNAUTHENTICATED } from '../http/errors';
import { empty, header, isRecord, json, parseJson, type SimResponse } from '../http/messages';
import type { Params, Route } from '../http/router';
import type { ApplicationCredential } from '../model/application-credentials';
import { keystoneTime } from '../model/time';
import type { Ctx } from './context';
import type { ValidToken } from './tokens';

const FORBIDDEN = 'You are not authorized to perform the requested action.';

// The caller must be the user named in the path, with a project-scoped token
// that did not itself come from a credential (Keystone's restricted default).
const owner = ({ state, req }: Ctx, params: Params): ValidToken | SimResponse => {
    const caller = state.tokens.resolve(header(req, 'x-auth-token'), state.now(), state.directory);
    if (!caller) {
        return keystoneError(401, UNAUTHENTICATED);
    }

    if (caller.user.id !== params.userId || caller.project === null || caller.record.applicationCredentialId !== null) {
        return keystoneError(403, FORBIDDEN);
    }

    return caller;
};

const rendered = (credential: ApplicationCredential, withSecret: boolean): unknown => ({
    id: credential.id,
    name: credential.name,
    project_id: credential.projectId,
    roles: credential.roles.map((name) => ({ name })),
    expires_at: credential.expiresAt === null ? null : keystoneTime(credential.expiresAt),
    unrestricted: false,
    ...(withSecret ? { secret: credential.secret } : {})
});

const create = (ctx: Ctx, params: Params): SimResponse => {
    const caller = owner(ctx, params);
    if (!('record' in caller)) {
        return caller;
    }

    const parsed = parseJson(ctx.req.rawBody);
    const body = parsed.ok && isRecord(parsed.value) ? parsed.value.application_credential : undefined;
    if (!isRecord(body) || typeof body.name !== 'string' || body.name === '') {
        return keystoneError(400, "Invalid input for field 'application_credential': 'name' is a required property.");
    }

    const held = caller.roles.map((role) => role.name);
    const asked = Array.isArray(body.roles) ? body.roles.map((role) => (isRecord(role) && typeof role.name === 'string' ? role.name : '')) : held;
    if (asked.length === 0 || asked.some((name) => !held.includes(name))) {
        return keystoneError(403, `${FORBIDDEN} A credential may only carry roles its user holds on the project.`);
    }

    const expiresAt = typeof body.expires_at === 'string' ? new Date(body.expires_at) : null;
    if (expiresAt !== null && Number.isNaN(expiresAt.getTime())) {
        return keystoneError(400, "Invalid input for field 'expires_at'.");
    }

    const credential = ctx.state.applicationCredentials.add({
        name: body.name, userId: caller.user.id, projectId: caller.project?.id ?? '', roles: asked, expiresAt,
        ...(typeof body.secret === 'string' && body.secret !== '' ? { secret: body.secret } : {})
    });
    if (credential === null) {
        return keystoneError(409, `Conflict occurred attempting to store application_credential - Duplicate entry found with name ${body.name}.`);
    }

    return json(201, { application_credential: rendered(credential, true) });
};

const remove = (ctx: Ctx, params: Params): SimResponse => {
    const caller = owner(ctx, params);
    if (!('record' in caller)) {
        return caller;
    }

    const credential = ctx.state.applicationCredentials.get(params.credentialId ?? '');
    if (credential === undefined || credential.userId !== caller.user.id) {
        return keystoneError(404, `Could not find Application Credential: ${params.credentialId ?? ''}.`);
    }

    ctx.state.applicationCredentials.delete(credential.id);
    return empty(204);
};

export const applicationCredentialRoutes: readonly Route<Ctx>[] = [
    { method: 'POST', pattern: '/users/:userId/application_credentials', handler: create },
    { method: 'DELETE', pattern: '/users/:userId/application_credentials/:credentialId', handler: remove }
];
