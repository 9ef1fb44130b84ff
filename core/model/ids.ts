// Branded ids: a GroupId can never be passed where a PolicyId is meant.
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type TenantId = Brand<string, 'TenantId'>;
export type GroupId = Brand<string, 'GroupId'>;
export type PolicyId = Brand<string, 'PolicyId'>;
export type WebhookId = Brand<string, 'WebhookId'>;
export type ActivityId = Brand<string, 'ActivityId'>;
export type InstanceId = Brand<string, 'InstanceId'>;     // a plugin instance of the cluster (contract §9)
// One tenure of a group's lease: new whenever the lease changes hands (fencing, contract §9).
export type LeaseGeneration = Brand<number, 'LeaseGeneration'>;

export const TenantId = (s: string): TenantId => s as TenantId;
export const GroupId = (s: string): GroupId => s as GroupId;
export const PolicyId = (s: string): PolicyId => s as PolicyId;
export const WebhookId = (s: string): WebhookId => s as WebhookId;
export const ActivityId = (s: string): ActivityId => s as ActivityId;
export const InstanceId = (s: string): InstanceId => s as InstanceId;
export const LeaseGeneration = (n: number): LeaseGeneration => n as LeaseGeneration;
