// A group's size bounds, and desired capacity kept within them.
import { maxEntitiesCeiling, type GroupConfig } from './group';

export const effectiveMax = (config: Pick<GroupConfig, 'maxEntities'>): number => config.maxEntities ?? maxEntitiesCeiling;

export const clamp = (desired: number, config: Pick<GroupConfig, 'minEntities' | 'maxEntities'>): number =>
    Math.min(Math.max(desired, config.minEntities), effectiveMax(config));
