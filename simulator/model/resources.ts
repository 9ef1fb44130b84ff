// Flavors and images: read-only to API clients, added through the simulator,
// each seen by the projects Nova's and Glance's default policies let see it.
import { uuid } from './ids';
import { SimInputError } from './sim-error';
import type { FlavorSpec, ImageSpec, ImageVisibility, SimFlavor, SimImage } from './types';
import type { Viewer } from './viewer';

export type Flavor = SimFlavor;

export type Image = SimImage;

const VISIBILITIES: readonly ImageVisibility[] = ['public', 'private', 'shared', 'community'];

export class Resources {
    private readonly flavors = new Map<string, Flavor>();
    private readonly images = new Map<string, Image>();

    addFlavor(spec: FlavorSpec): Flavor {
        const isPublic = spec.isPublic ?? true;
        const access = [...spec.access ?? []];
        // Nova: "Can not add access to a public flavor."
        if (isPublic && access.length > 0) {
            throw new SimInputError(`flavor ${spec.id} is public: access is for private flavors`);
        }

        const flavor: Flavor = { id: spec.id, name: spec.name, ram: spec.ram, vcpus: spec.vcpus, disk: spec.disk, isPublic, access };
        this.flavors.set(flavor.id, flavor);
        return flavor;
    }

    addImage(spec: ImageSpec, created: Date): Image {
        const visibility = spec.visibility ?? 'public';
        if (!VISIBILITIES.includes(visibility)) {
            throw new SimInputError(`image visibility must be one of ${VISIBILITIES.join(', ')}`);
        }

        if ((visibility === 'private' || visibility === 'shared') && spec.owner === undefined) {
            throw new SimInputError(`a ${visibility} image needs an owner`);
        }

        // Glance takes members on shared images only.
        if (spec.members !== undefined && spec.members.length > 0 && visibility !== 'shared') {
            throw new SimInputError('members are for shared images only');
        }

        const image: Image = { id: spec.id ?? uuid(), name: spec.name, owner: spec.owner ?? null, visibility, members: [...spec.members ?? []], created };
        this.images.set(image.id, image);
        return image;
    }

    flavor(id: string): Flavor | undefined {
        return this.flavors.get(id);
    }

    image(id: string): Image | undefined {
        return this.images.get(id);
    }

    // Nova lists flavors by flavorid, images by their order in Glance (we use creation).
    listFlavors(): Flavor[] {
        return [...this.flavors.values()].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    }

    listImages(): Image[] {
        return [...this.images.values()];
    }
}

// Nova: a private flavor is its access list's (an admin sees every flavor).
export const flavorVisible = (flavor: Flavor, viewer: Viewer): boolean => {
    return viewer.admin || flavor.isPublic || flavor.access.includes(viewer.projectId);
};

// Glance: public and community images are everyone's; the others their owner's and, shared, their members'.
export const imageVisible = (image: Image, viewer: Viewer): boolean => {
    return viewer.admin
        || image.visibility === 'public'
        || image.visibility === 'community'
        || image.owner === viewer.projectId
        || (image.visibility === 'shared' && image.members.includes(viewer.projectId));
};

// Glance's listing: without a visibility filter it leaves out the community images
// the project does not own ('all' takes them in). Shared images are listed for
// accepted members only, and every member here has accepted.
export const imageListed = (image: Image, viewer: Viewer, visibility: string | null): boolean => {
    if (!imageVisible(image, viewer)) {
        return false;
    }

    if (visibility === null) {
        return image.visibility !== 'community' || image.owner === viewer.projectId;
    }

    return visibility === 'all' || image.visibility === visibility;
};
