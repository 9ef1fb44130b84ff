// Issued tokens. Like Fernet tokens, the roles are read again on every use,
// so a deleted user, a removed role or a deleted application credential
// invalidates the tokens already issued.
import type { ApplicationCredentials } from '../model/application-credentials';
import type { Directory, Project, Role, User } from '../model/directory';
import { tokenId } from '../model/ids';
import { randomBytes } from 'node:crypto';

export interface TokenRecord {
    readonly id: string;
    readonly userId: string;
    readonly projectId: string | null;
    readonly methods: readonly string[];
    readonly issuedAt: Date;
    readonly expiresAt: Date;
    readonly auditId: string;
    readonly applicationCredentialId: string | null;   // the credential it was issued for, whose roles bound it
    revoked: boolean;
}

export interface ValidToken {
    readonly record: TokenRecord;
    readonly user: User;
    readonly project: Project | null;
    readonly roles: readonly Role[];
}

export interface MintRequest {
    readonly userId: string;
    readonly projectId: string | null;
    readonly methods: readonly string[];
    readonly issuedAt: Date;
    readonly expiresAt: Date;
    readonly applicationCredentialId?: string;
}

export class TokenStore {
    private readonly tokens = new Map<string, TokenRecord>();

    constructor(private readonly credentials: ApplicationCredentials) {}

    mint(request: MintRequest): TokenRecord {
        const record: TokenRecord = {
            id: tokenId(), auditId: randomBytes(16).toString('base64url').slice(0, 22), revoked: false, ...request,
            applicationCredentialId: request.applicationCredentialId ?? null
        };
        this.tokens.set(record.id, record);
        return record;
    }

    // Every token issued so far, revoked and expired ones too.
    ids(): string[] {
        return [...this.tokens.keys()];
    }

    revoke(id: string): boolean {
        const record = this.tokens.get(id);
        if (!record) {
            return false;
        }

        record.revoked = true;
        return true;
    }

    // null when unknown, revoked, expired, or no longer backed by a user and role.
    resolve(id: string | undefined, now: Date, directory: Directory): ValidToken | null {
        const record = id === undefined ? undefined : this.tokens.get(id);
        if (!record || record.revoked || record.expiresAt.getTime() <= now.getTime()) {
            return null;
        }

        const user = directory.user(record.userId);
        if (!user) {
            return null;
        }

        if (record.projectId === null) {
            return { record, user, project: null, roles: [] };
        }

        // A role exists only on an existing project, so no role means no access either way.
        const roles = this.rolesOf(record, directory);
        if (roles.length === 0) {
            return null;
        }

        return { record, user, project: directory.project(record.projectId) as Project, roles };
    }

    // The user's roles on the token's project; through a credential, only those it was given.
    rolesOf(record: Pick<TokenRecord, 'userId' | 'projectId' | 'applicationCredentialId'>, directory: Directory): Role[] {
        const held = record.projectId === null ? [] : directory.rolesOn(record.userId, record.projectId);
        if (record.applicationCredentialId === null) {
            return held;
        }

        const credential = this.credentials.get(record.applicationCredentialId);
        return credential === undefined ? [] : held.filter((role) => credential.roles.includes(role.name));
    }
}
