// Whether the customer's own project can see what a launch configuration
// names, asked with the customer's token (contract §3).
import type { LaunchReference } from '../model/launch-references';
import type { Brand, TenantId } from '../model/ids';

// The X-Auth-Token of the request that writes the launch configuration.
export type CustomerToken = Brand<string, 'CustomerToken'>;
export const CustomerToken = (s: string): CustomerToken => s as CustomerToken;

export interface LaunchVisibility {
    // The references the project cannot see, in the order given (empty: all
    // seen). A service the catalog lacks is not asked. Throws
    // DomainError('unavailable') when a service that is there cannot answer.
    unseen(token: CustomerToken, tenantId: TenantId, refs: readonly LaunchReference[]): Promise<readonly LaunchReference[]>;
}
