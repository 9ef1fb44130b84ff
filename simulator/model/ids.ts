import { randomBytes, randomUUID } from 'node:crypto';

// Keystone ids are 32 hex characters; Nova ids are UUIDs.
export const hexId = (): string => randomBytes(16).toString('hex');

export const uuid = (): string => randomUUID();

// Shaped like a Fernet token so clients that log a prefix see something familiar.
export const tokenId = (): string => 'gAAAAA' + randomBytes(48).toString('base64url');
