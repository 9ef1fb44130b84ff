// Keystone's directory: domains, projects, users and role assignments.
import { hexId } from './ids';
import { SimInputError } from './sim-error';
import type { Named, ProjectSpec, UserSpec } from './types';

export type Domain = Named;

export interface Project extends Named {
    readonly domain: Domain;
}

export interface User extends Named {
    readonly password: string;
    readonly domain: Domain;
    readonly defaultProjectId: string | null;
}

export type Role = Named;

export const DEFAULT_DOMAIN: Domain = { id: 'default', name: 'Default' };

// A domain or project reference as a client sends it: by id, or by name (+ domain).
export interface DomainRef {
    readonly id?: string;
    readonly name?: string;
}

export class Directory {
    private readonly domains = new Map<string, Domain>([[DEFAULT_DOMAIN.id, DEFAULT_DOMAIN]]);
    private readonly projects = new Map<string, Project>();
    private readonly users = new Map<string, User>();
    private readonly roles = new Map<string, Role>();
    private readonly grants = new Map<string, Map<string, Set<string>>>(); // user → project → role names

    addProject(spec: ProjectSpec): Project {
        const id = spec.id ?? hexId();
        if (this.projects.has(id)) {
            throw new SimInputError(`project ${id} exists`);
        }

        const domain = this.domainNamed(spec.domain ?? DEFAULT_DOMAIN.name);
        if (this.projectNamed(spec.name, { id: domain.id })) {
            throw new SimInputError(`project ${spec.name} exists in domain ${domain.name}`);
        }

        const project: Project = { id, name: spec.name, domain };
        this.projects.set(id, project);
        return project;
    }

    addUser(spec: UserSpec): User {
        const domain = this.domainNamed(spec.domain ?? DEFAULT_DOMAIN.name);
        if (this.userNamed(spec.name, { id: domain.id })) {
            throw new SimInputError(`user ${spec.name} exists in domain ${domain.name}`);
        }

        for (const grant of spec.roles) {
            this.requireProject(grant.projectId);
        }

        if (spec.defaultProjectId !== undefined) {
            this.requireProject(spec.defaultProjectId);
        }

        const user: User = { id: hexId(), name: spec.name, password: spec.password, domain, defaultProjectId: spec.defaultProjectId ?? null };
        this.users.set(user.id, user);
        for (const grant of spec.roles) {
            this.grant(user.id, grant.projectId, grant.role);
        }

        return user;
    }

    deleteUser(id: string): boolean {
        this.grants.delete(id);
        return this.users.delete(id);
    }

    grant(userId: string, projectId: string, roleName: string): void {
        this.requireProject(projectId);
        this.roleNamed(roleName);
        const byProject = this.grants.get(userId) ?? new Map<string, Set<string>>();
        const roles = byProject.get(projectId) ?? new Set<string>();
        roles.add(roleName);
        byProject.set(projectId, roles);
        this.grants.set(userId, byProject);
    }

    revoke(userId: string, projectId: string, roleName: string): boolean {
        return this.grants.get(userId)?.get(projectId)?.delete(roleName) ?? false;
    }

    rolesOn(userId: string, projectId: string): Role[] {
        const names = this.grants.get(userId)?.get(projectId) ?? new Set<string>();
        return [...names].sort().map((name) => this.roleNamed(name));
    }

    user(id: string): User | undefined {
        return this.users.get(id);
    }

    project(id: string): Project | undefined {
        return this.projects.get(id);
    }

    findDomain(ref: DomainRef): Domain | undefined {
        if (ref.id !== undefined) {
            return this.domains.get(ref.id);
        }

        return [...this.domains.values()].find((d) => d.name === ref.name);
    }

    // Names are unique within a domain only.
    userNamed(name: string, domainRef: DomainRef): User | undefined {
        const domain = this.findDomain(domainRef);
        return domain && [...this.users.values()].find((u) => u.name === name && u.domain.id === domain.id);
    }

    projectNamed(name: string, domainRef: DomainRef): Project | undefined {
        const domain = this.findDomain(domainRef);
        return domain && [...this.projects.values()].find((p) => p.name === name && p.domain.id === domain.id);
    }

    private requireProject(id: string): Project {
        const project = this.projects.get(id);
        if (!project) {
            throw new SimInputError(`no project ${id}`);
        }

        return project;
    }

    // Domains and roles come into being when first named: the simulator has no API to create them.
    private domainNamed(name: string): Domain {
        const found = this.findDomain({ name });
        if (found) {
            return found;
        }

        const domain: Domain = { id: hexId(), name };
        this.domains.set(domain.id, domain);
        return domain;
    }

    private roleNamed(name: string): Role {
        const found = this.roles.get(name);
        if (found) {
            return found;
        }

        const role: Role = { id: hexId(), name };
        this.roles.set(name, role);
        return role;
    }
}
