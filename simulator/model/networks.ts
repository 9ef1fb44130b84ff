// Neutron's networks: a project's own, and everyone's when shared.
import { uuid } from './ids';
import { SimInputError } from './sim-error';
import type { NetworkSpec, SimNetwork } from './types';
import type { Viewer } from './viewer';

export class Networks {
    private readonly networks = new Map<string, SimNetwork>();

    add(spec: NetworkSpec, created: Date): SimNetwork {
        const id = spec.id ?? uuid();
        if (this.networks.has(id)) {
            throw new SimInputError(`network ${id} exists`);
        }

        const network: SimNetwork = { id, projectId: spec.projectId, name: spec.name, shared: spec.shared ?? false, created };
        this.networks.set(id, network);
        return network;
    }

    get(id: string): SimNetwork | undefined {
        return this.networks.get(id);
    }

    // In creation order, as Neutron lists by id only when asked to sort.
    list(projectId?: string): SimNetwork[] {
        return [...this.networks.values()].filter((n) => projectId === undefined || n.projectId === projectId);
    }
}

// Neutron's default policy: owned or shared; an admin sees every network.
export const networkVisible = (network: SimNetwork, viewer: Viewer): boolean => {
    return viewer.admin || network.shared || network.projectId === viewer.projectId;
};
