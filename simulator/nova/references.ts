// What Nova's create looks up with the caller's token, each seen as the
// owning service's policy lets the caller's project see it: the flavor (Nova's
// flavor access), the image (Glance), security groups and networks (Neutron).
import { flavorVisible, imageVisible } from '../model/resources';
import { networkVisible } from '../model/networks';
import { securityGroupVisible } from '../model/security-groups';
import type { SimState } from '../model/state';
import type { Viewer } from '../model/viewer';

export interface Refusal {
    readonly status: number;
    readonly message: string;
}

// Each answers null when the create may go on.
export interface References {
    flavor(id: string): Refusal | null;
    image(id: string): Refusal | null;
    securityGroups(names: readonly string[]): Refusal | null;
    networks(ids: readonly string[]): Refusal | null;
}

const badRequest = (message: string): Refusal => ({ status: 400, message });

export const references = (state: SimState, viewer: Viewer): References => ({
    flavor: (id) => {
        const flavor = state.resources.flavor(id);
        if (!flavor) {
            return badRequest('Invalid flavorRef provided.');
        }

        // Nova finds no private flavor the project has no access to (FlavorNotFound).
        return flavorVisible(flavor, viewer) ? null : badRequest(`Flavor ${id} could not be found.`);
    },

    // Glance answers 404 alike for an image that is not there and one the project may
    // not see, so Nova cannot tell them apart: "Can not find requested image" for both.
    image: (id) => {
        const image = state.resources.image(id);
        return image && imageVisible(image, viewer) ? null : badRequest('Can not find requested image');
    },

    // Neutron, asked with the project: an id the caller may see, or a name among the
    // project's own groups (which makes the project's default group, as a listing does).
    securityGroups: (names) => {
        state.securityGroups.ensureDefault(viewer.projectId, state.now());
        const own = state.securityGroups.list(viewer.projectId);
        for (const name of names) {
            const byId = state.securityGroups.get(name);
            if (byId && securityGroupVisible(byId, viewer)) {
                continue;
            }

            const named = own.filter((g) => g.name === name);
            if (named.length > 1) {
                return { status: 409, message: `Multiple security groups found matching '${name}'. Use an ID to be more specific.` };
            }

            if (named.length === 0) {
                return badRequest(`Security group ${name} not found for project ${viewer.projectId}.`);
            }
        }

        return null;
    },

    // Nova lists the requested networks the project may see and names the ones missing.
    networks: (ids) => {
        const missing = [...new Set(ids)].filter((id) => {
            const network = state.networks.get(id);
            return !network || !networkVisible(network, viewer);
        });
        return missing.length === 0 ? null : badRequest(`Network ${missing.join(', ')} could not be found.`);
    }
});
