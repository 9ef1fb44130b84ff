// The service account in each tenant project (contract §2). With a password,
// one KeystoneSession per project, scoped to it by id, so each project's
// token is cached, renewed before expiry and re-authenticated on a 401 on its
// own. An application credential's tokens are always its own project's and
// Keystone does not rescope them: every project shares its one session, and
// a project that is not the credential's is refused before anything is sent,
// as a service user without a role there is (Nova's 'unauthorized').
import { DomainError } from '../../core/model/errors';
import { KeystoneSession, type KeystoneSessionOptions, type ServiceToken } from './session';
import type { ApplicationCredentialAccount, PasswordAccount, ServiceAccount } from './service-account';
import type { EndpointInterface } from './service-account';

// What a client of one project's OpenStack needs of its session.
export type ProjectSession = Pick<KeystoneSession, 'account' | 'token' | 'withToken' | 'endpoint'>;

// The account with its own scope replaced by the project id. The project name
// and domain go: Keystone must not see two scopes, and an id needs no domain.
export const scopedToProject = (account: PasswordAccount, projectId: string): PasswordAccount => {
    const scoped: { -readonly [K in keyof PasswordAccount]: PasswordAccount[K] } = { ...account, projectId };
    delete scoped.projectName;
    delete scoped.projectDomainName;
    delete scoped.projectDomainId;
    return scoped;
};

// One project's view of the credential's session: its token only when that
// token is the project's.
class CredentialProjectSession implements ProjectSession {
    constructor(private readonly shared: KeystoneSession, private readonly projectId: string) {}

    get account(): ServiceAccount {
        return this.shared.account;
    }

    async token(): Promise<ServiceToken> {
        const token = await this.shared.token();
        if (token.projectId !== this.projectId) {
            const account = this.shared.account as ApplicationCredentialAccount;
            throw new DomainError('unavailable', 'ServiceCredentialsRejected',
                `The service account is application credential ${account.applicationCredentialId ?? account.applicationCredentialName ?? ''} of project ${token.projectId ?? '(none)'}, ` +
                `and Keystone does not rescope one: it cannot act in project ${this.projectId} (use a password account with a role there, or run this project's groups with a credential of its own)`,
                { projectId: this.projectId, credentialProjectId: token.projectId });
        }

        return token;
    }

    async withToken<T extends { readonly statusCode: number }>(fn: (token: string) => Promise<T>): Promise<T> {
        await this.token();
        return this.shared.withToken(fn);
    }

    async endpoint(serviceType: string, options: { region?: string; interface?: EndpointInterface } = {}): Promise<string> {
        await this.token();
        return this.shared.endpoint(serviceType, options);
    }
}

export class ProjectSessions {
    private readonly sessions = new Map<string, ProjectSession>();
    private readonly shared: KeystoneSession | null;

    constructor(readonly account: ServiceAccount, private readonly options: KeystoneSessionOptions = {}) {
        this.shared = account.kind === 'application_credential' ? new KeystoneSession(account, options) : null;
    }

    get size(): number {
        return this.sessions.size;
    }

    for(projectId: string): ProjectSession {
        let session = this.sessions.get(projectId);
        if (session === undefined) {
            session = this.shared !== null
                ? new CredentialProjectSession(this.shared, projectId)
                : new KeystoneSession(scopedToProject(this.account as PasswordAccount, projectId), this.options);
            this.sessions.set(projectId, session);
        }

        return session;
    }
}
