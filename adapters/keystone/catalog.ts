// The service catalog from the service account's token, and how an endpoint
// is chosen from it (compute, later).
import type { EndpointInterface } from './service-account';

export interface CatalogEndpoint {
    readonly interface: string;
    readonly region?: string;
    readonly regionId?: string;
    readonly url: string;
}

export interface CatalogService {
    readonly type: string;
    readonly name?: string;
    readonly endpoints: readonly CatalogEndpoint[];
}

export type Catalog = readonly CatalogService[];

export interface EndpointQuery {
    readonly serviceType: string;
    readonly interface: EndpointInterface;
    readonly region?: string;              // unset: every region
}

// null: no such endpoint. The URL comes back without a trailing slash.
export const pickEndpoint = (catalog: Catalog, query: EndpointQuery): string | null => {
    for (const service of catalog) {
        if (service.type !== query.serviceType) {
            continue;
        }

        const found = service.endpoints.find((endpoint) =>
            endpoint.interface === query.interface &&
            (query.region === undefined || endpoint.regionId === query.region || endpoint.region === query.region));
        if (found !== undefined) {
            return found.url.replace(/\/+$/, '');
        }
    }

    return null;
};
