// Keystone's application credentials: a user's secret bound to one project
// and to some of the roles the user held there when it was made. A token from
// one carries only those roles, and only while the user still holds them.
import { randomBytes } from 'node:crypto';
import { hexId } from './ids';

export interface ApplicationCredential {
    readonly id: string;
    readonly name: string;
    readonly secret: string;
    readonly userId: string;
    readonly projectId: string;
    readonly roles: readonly string[];         // role names
    readonly expiresAt: Date | null;
}

export interface ApplicationCredentialSpec {
    readonly name: string;
    readonly userId: string;
    readonly projectId: string;
    readonly roles: readonly string[];
    readonly secret?: string;                  // Keystone makes one when none is given
    readonly expiresAt?: Date | null;
}

export class ApplicationCredentials {
    private readonly byId = new Map<string, ApplicationCredential>();

    // null: the user has one of that name already (Keystone's 409).
    add(spec: ApplicationCredentialSpec): ApplicationCredential | null {
        if (this.named(spec.userId, spec.name) !== undefined) {
            return null;
        }

        const credential: ApplicationCredential = {
            id: hexId(), name: spec.name, secret: spec.secret ?? randomBytes(32).toString('base64url'),
            userId: spec.userId, projectId: spec.projectId, roles: [...spec.roles], expiresAt: spec.expiresAt ?? null
        };
        this.byId.set(credential.id, credential);
        return credential;
    }

    get(id: string): ApplicationCredential | undefined {
        return this.byId.get(id);
    }

    named(userId: string, name: string): ApplicationCredential | undefined {
        return [...this.byId.values()].find((c) => c.userId === userId && c.name === name);
    }

    delete(id: string): boolean {
        return this.byId.delete(id);
    }
}
