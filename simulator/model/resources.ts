// Flavors and images: read-only to API clients, added through the simulator.
import { uuid } from './ids';
import type { FlavorSpec, ImageSpec } from './types';

export type Flavor = FlavorSpec;

export interface Image {
    readonly id: string;
    readonly name: string;
    readonly created: Date;
}

export class Resources {
    private readonly flavors = new Map<string, Flavor>();
    private readonly images = new Map<string, Image>();

    addFlavor(spec: FlavorSpec): Flavor {
        const flavor: Flavor = { ...spec };
        this.flavors.set(flavor.id, flavor);
        return flavor;
    }

    addImage(spec: ImageSpec, created: Date): Image {
        const image: Image = { id: spec.id ?? uuid(), name: spec.name, created };
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
