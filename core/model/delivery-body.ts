// A customer webhook's body (contract §7): {event, deliveryId, tenantId,
// groupId, server: {id, name, addresses, metadata}, deadline, callbackUrl}.
// The outbox keeps it without callbackUrl (which carries the callback token,
// never stored); withCallback puts it back, the same bytes on every retry.
import type { WorkflowEvent } from './workflow';
import type { NovaServer, ServerAddress } from './server';

export interface DeliveryServer {
    readonly id: string;
    readonly name: string | null;                // null: Nova no longer lists it
    readonly addresses: Readonly<Record<string, readonly { readonly addr: string; readonly version: 4 | 6; readonly type: 'fixed' | 'floating' | null }[]>>;
    readonly metadata: Readonly<Record<string, string>>;
}

// Nova's own shape: the addresses under the name of their network.
export const addressesOf = (addresses: readonly ServerAddress[]): DeliveryServer['addresses'] => {
    const byNetwork: Record<string, { addr: string; version: 4 | 6; type: 'fixed' | 'floating' | null }[]> = {};
    for (const a of addresses) {
        (byNetwork[a.network] ??= []).push({ addr: a.addr, version: a.version, type: a.type });
    }

    return byNetwork;
};

export const deliveryServer = (serverId: string, listed: NovaServer | undefined): DeliveryServer =>
    listed === undefined ?
        { id: serverId, name: null, addresses: {}, metadata: {} } :
        { id: serverId, name: listed.name, addresses: addressesOf(listed.addresses), metadata: listed.metadata };

export interface DeliveryBodyInput {
    readonly event: WorkflowEvent;
    readonly deliveryId: string;
    readonly tenantId: string;
    readonly groupId: string;
    readonly server: DeliveryServer;
    readonly deadline: Date;
}

// The body as stored: every field but callbackUrl, in the contract's order.
export const storedBody = (input: DeliveryBodyInput): string => JSON.stringify({
    event: input.event, deliveryId: input.deliveryId, tenantId: input.tenantId, groupId: input.groupId,
    server: input.server, deadline: input.deadline.toISOString()
});

// The body as sent: the stored one with callbackUrl last.
export const withCallback = (stored: string, callbackUrl: string): string =>
    `${stored.slice(0, -1)},"callbackUrl":${JSON.stringify(callbackUrl)}}`;

export const CALLBACK_PATH = '/workflow/1/';

export const callbackUrlOf = (root: string, token: string): string => `${root}${CALLBACK_PATH}${token}`;
