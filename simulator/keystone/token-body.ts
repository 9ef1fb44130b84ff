// A token as Keystone v3 renders it in POST/GET /auth/tokens.
import { catalog } from './catalog';
import type { SimState } from '../model/state';
import { keystoneTime } from '../model/time';
import type { ValidToken } from './tokens';

export const tokenBody = (state: SimState, token: ValidToken, withCatalog: boolean): unknown => {
    const { record, user, project, roles } = token;
    const body: Record<string, unknown> = {
        methods: record.methods,
        user: { id: user.id, name: user.name, domain: { id: user.domain.id, name: user.domain.name }, password_expires_at: null },
        audit_ids: [record.auditId],
        expires_at: keystoneTime(record.expiresAt),
        issued_at: keystoneTime(record.issuedAt)
    };

    // An unscoped token names no project, no roles and no catalog.
    if (project) {
        body.project = { id: project.id, name: project.name, domain: { id: project.domain.id, name: project.domain.name } };
        body.is_domain = false;
        body.roles = roles.map((r) => ({ id: r.id, name: r.name }));
        if (withCatalog) {
            body.catalog = catalog(state.endpoints, state.config);
        }
    }

    const credential = record.applicationCredentialId === null ? undefined : state.applicationCredentials.get(record.applicationCredentialId);
    if (credential !== undefined) {
        body.application_credential = { id: credential.id, name: credential.name, restricted: true };
    }

    return { token: body };
};
