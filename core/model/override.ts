// An operator's pin of desired capacity, or of the bounds, until it expires.
export interface Override {
    readonly desiredCapacity: number | null;
    readonly minEntities: number | null;
    readonly maxEntities: number | null;
    readonly reason: string;
    readonly expiresAt: Date;
    readonly who: string;
}

export const inForce = (override: Override | null, now: Date): Override | null =>
    override && now.getTime() < override.expiresAt.getTime() ? override : null;
