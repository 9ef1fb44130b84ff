// One KeystoneSession per tenant project: the service account scoped to that
// project by id (contract §2), so each project's token is cached, renewed
// before expiry and re-authenticated on a 401 on its own.
import { KeystoneSession, type KeystoneSessionOptions } from './session';
import type { ServiceAccount } from './service-account';

// The account with its own scope replaced by the project id. The project name
// and domain go: Keystone must not see two scopes, and an id needs no domain.
export const scopedToProject = (account: ServiceAccount, projectId: string): ServiceAccount => {
    const scoped: { -readonly [K in keyof ServiceAccount]: ServiceAccount[K] } = { ...account, projectId };
    delete scoped.projectName;
    delete scoped.projectDomainName;
    delete scoped.projectDomainId;
    return scoped;
};

export class ProjectSessions {
    private readonly sessions = new Map<string, KeystoneSession>();

    constructor(readonly account: ServiceAccount, private readonly options: KeystoneSessionOptions = {}) {}

    get size(): number {
        return this.sessions.size;
    }

    for(projectId: string): KeystoneSession {
        let session = this.sessions.get(projectId);
        if (session === undefined) {
            session = new KeystoneSession(scopedToProject(this.account, projectId), this.options);
            this.sessions.set(projectId, session);
        }

        return session;
    }
}
