// Neutron's security groups. Every project has a 'default' group, which Neutron
// makes the first time the project needs one (a listing, a port): so does this.
import { uuid } from './ids';
import { SimInputError } from './sim-error';
import type { SecurityGroupSpec, SimSecurityGroup } from './types';
import type { Viewer } from './viewer';

export const DEFAULT_GROUP = 'default';

export class SecurityGroups {
    private readonly groups = new Map<string, SimSecurityGroup>();
    private readonly defaults = new Map<string, string>(); // project → its default group's id

    add(spec: SecurityGroupSpec, created: Date): SimSecurityGroup {
        const id = spec.id ?? uuid();
        if (this.groups.has(id)) {
            throw new SimInputError(`security group ${id} exists`);
        }

        // Neutron keeps one default group per project.
        const isDefault = spec.name === DEFAULT_GROUP;
        if (isDefault && this.defaults.has(spec.projectId)) {
            throw new SimInputError(`project ${spec.projectId} has its default security group`);
        }

        const group: SimSecurityGroup = {
            id, projectId: spec.projectId, name: spec.name, description: spec.description ?? (isDefault ? 'Default security group' : ''), created
        };
        this.groups.set(id, group);
        if (isDefault) {
            this.defaults.set(spec.projectId, id);
        }

        return group;
    }

    // The project's default group, made now if it has none yet.
    ensureDefault(projectId: string, now: Date): SimSecurityGroup {
        const id = this.defaults.get(projectId);
        return id === undefined ? this.add({ projectId, name: DEFAULT_GROUP }, now) : this.groups.get(id) as SimSecurityGroup;
    }

    get(id: string): SimSecurityGroup | undefined {
        return this.groups.get(id);
    }

    list(projectId?: string): SimSecurityGroup[] {
        return [...this.groups.values()].filter((g) => projectId === undefined || g.projectId === projectId);
    }
}

// Neutron's default policy: a project's own groups; an admin sees every group.
export const securityGroupVisible = (group: SimSecurityGroup, viewer: Viewer): boolean => viewer.admin || group.projectId === viewer.projectId;
