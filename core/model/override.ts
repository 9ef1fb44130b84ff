// An operator's pin of desired capacity, or of the bounds, until it expires.
export interface Override {
    readonly desiredCapacity: number | null;
    readonly minEntities: number | null;
    readonly maxEntities: number | null;
    readonly reason: string;
    readonly expiresAt: Date;
    readonly who: string;
    readonly byAdmin: boolean;           // set through the admin routes: only an admin changes or clears it
}

// What a PUT asks for; who may set it (and so byAdmin) is the route's.
export type OverridePin = Omit<Override, 'byAdmin'>;

export const inForce = (override: Override | null, now: Date): Override | null =>
    override && now.getTime() < override.expiresAt.getTime() ? override : null;
