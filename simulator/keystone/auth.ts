// POST /auth/tokens: who is logging in (password, token or application
// credential method) and to what scope.
import type { ApplicationCredential } from '../model/application-credentials';
import type { DomainRef, Project, User } from '../model/directory';
import { isRecord } from '../http/messages';
import type { SimState } from '../model/state';

export type AuthOutcome =
    | {
        readonly ok: true; readonly user: User; readonly project: Project | null; readonly methods: readonly string[]; readonly expiresAt: Date | null;
        readonly applicationCredentialId: string | null;
    }
    | { readonly ok: false; readonly status: 400 | 401 | 403; readonly message: string };

const UNAUTHORIZED = 'The request you have made requires authentication.';

class AuthError extends Error {
    constructor(readonly status: 400 | 401 | 403, message: string) {
        super(message);
    }
}

// Typed on the const, not the arrow alone, so that a call ends the path for narrowing as a declared function's does.
const bad: (message: string) => never = (message) => {
    throw new AuthError(400, message);
};

const denied: (message?: string) => never = (message = UNAUTHORIZED) => {
    throw new AuthError(401, message);
};

export const authenticate = (state: SimState, body: unknown): AuthOutcome => {
    try {
        return authenticateOrThrow(state, body);
    }
    catch (err) {
        // Anything else is a bug: let it through.
        if (err instanceof AuthError) { // $lab:coverage:ignore$
            return { ok: false, status: err.status, message: err.message };
        }

        throw err; // $lab:coverage:ignore$
    }
};

const authenticateOrThrow = (state: SimState, body: unknown): AuthOutcome => {
    const auth = isRecord(body) ? body.auth : undefined;
    if (!isRecord(auth)) {
        bad("Invalid input for field 'auth': 'auth' is a required property.");
    }

    const identity = auth.identity;
    if (!isRecord(identity) || !Array.isArray(identity.methods) || identity.methods.length === 0 || !identity.methods.every((m) => typeof m === 'string')) {
        bad("Invalid input for field 'identity': 'methods' must be a non-empty list of strings.");
    }

    const methods = identity.methods as string[];
    if (methods.includes('application_credential')) {
        const credential = applicationCredential(state, identity.application_credential);
        // Its project is its scope, and no other may be asked for.
        if (auth.scope !== undefined) {
            denied('Error authenticating with application credential: Application credentials cannot request a scope.');
        }

        const user = state.directory.user(credential.userId);
        const project = state.directory.project(credential.projectId);
        if (!user || !project || state.tokens.rolesOf({ userId: user.id, projectId: project.id, applicationCredentialId: credential.id }, state.directory).length === 0) {
            denied();
        }

        return { ok: true, user, project, methods, expiresAt: credential.expiresAt, applicationCredentialId: credential.id };
    }

    let user: User;
    let expiresAt: Date | null = null;
    if (methods.includes('password')) {
        user = passwordUser(state, identity.password);
    }
    else if (methods.includes('token')) {
        const ref = identity.token;
        if (!isRecord(ref) || typeof ref.id !== 'string') {
            bad("Invalid input for field 'token': 'id' is a required property.");
        }

        const valid = state.tokens.resolve(ref.id, state.now(), state.directory);
        if (!valid) {
            denied();
        }

        // Keystone's words, to the letter (the two stops too).
        if (valid.record.applicationCredentialId !== null) {
            throw new AuthError(403, 'You are not authorized to perform the requested action: Using a delegated token to create another token is not allowed..');
        }

        user = valid.user;
        expiresAt = valid.record.expiresAt; // a rescoped token keeps the original's expiry
    }
    else {
        denied('Attempted to authenticate with an unsupported method.');
    }

    const project = scopeProject(state, user, auth.scope);
    return { ok: true, user, project, methods, expiresAt, applicationCredentialId: null };
};

// By id, or by name with its user (by id, or by name and domain); then its secret.
const applicationCredential = (state: SimState, ref: unknown): ApplicationCredential => {
    if (!isRecord(ref) || typeof ref.secret !== 'string') {
        bad("Invalid input for field 'application_credential': 'secret' is a required property.");
    }

    let credential: ApplicationCredential | undefined;
    if (typeof ref.id === 'string') {
        credential = state.applicationCredentials.get(ref.id);
    }
    else if (typeof ref.name === 'string') {
        if (!isRecord(ref.user)) {
            bad('Could not find Application Credential: a name needs its user.');
        }

        const user = userOf(state, ref.user);
        credential = user === undefined ? undefined : state.applicationCredentials.named(user.id, ref.name);
    }
    else {
        bad("Invalid input for field 'application_credential': 'id' or 'name' is required.");
    }

    if (!credential || credential.secret !== ref.secret || (credential.expiresAt !== null && credential.expiresAt.getTime() <= state.now().getTime())) {
        denied();
    }

    return credential;
};

const passwordUser = (state: SimState, password: unknown): User => {
    const ref = isRecord(password) ? password.user : undefined;
    if (!isRecord(ref)) {
        bad("Invalid input for field 'password': 'user' is a required property.");
    }

    if (typeof ref.password !== 'string') {
        bad("Invalid input for field 'user': 'password' is a required property.");
    }

    const user = userOf(state, ref);

    if (!user || user.password !== ref.password) {
        denied();
    }

    return user;
};

// A user by id, or by name in a domain; undefined when there is none such.
const userOf = (state: SimState, ref: Record<string, unknown>): User | undefined => {
    if (typeof ref.id === 'string') {
        return state.directory.user(ref.id);
    }

    if (typeof ref.name === 'string') {
        return state.directory.userNamed(ref.name, domainRef(ref.domain, 'user'));
    }

    return bad("Invalid input for field 'user': 'id' or 'name' is required.");
};

// No scope: the user's default project if they hold a role there, else an unscoped token.
const scopeProject = (state: SimState, user: User, scope: unknown): Project | null => {
    if (scope === undefined || scope === 'unscoped') {
        const id = user.defaultProjectId;
        const project = id === null ? undefined : state.directory.project(id);
        return project && state.directory.rolesOn(user.id, project.id).length > 0 ? project : null;
    }

    if (!isRecord(scope)) {
        bad("Invalid input for field 'scope': must be an object.");
    }

    const ref = scope.project;
    if (!isRecord(ref)) {
        denied('The simulator only issues project-scoped or unscoped tokens.');
    }

    let project: Project | undefined;
    if (typeof ref.id === 'string') {
        project = state.directory.project(ref.id);
    }
    else if (typeof ref.name === 'string') {
        project = state.directory.projectNamed(ref.name, domainRef(ref.domain, 'project'));
    }
    else {
        bad("Invalid input for field 'project': 'id' or 'name' is required.");
    }

    if (!project) {
        denied(`Could not find project: ${String(ref.id ?? ref.name)}.`);
    }

    if (state.directory.rolesOn(user.id, project.id).length === 0) {
        denied(`User ${user.id} has no access to project ${project.id}.`);
    }

    return project;
};

const domainRef = (value: unknown, owner: string): DomainRef => {
    if (isRecord(value) && typeof value.id === 'string') {
        return { id: value.id };
    }

    if (isRecord(value) && typeof value.name === 'string') {
        return { name: value.name };
    }

    return bad(`Expecting to find domain in ${owner}. The server could not comply with the request since it is either malformed or otherwise incorrect.`);
};
