import { randomBytes, randomUUID } from 'node:crypto';

// Keystone ids are 32 hex characters; Nova ids are UUIDs.
export function hexId(): string {
    return randomBytes(16).toString('hex');
}

export function uuid(): string {
    return randomUUID();
}

// Shaped like a Fernet token so clients that log a prefix see something familiar.
export function tokenId(): string {
    return 'gAAAAA' + randomBytes(48).toString('base64url');
}
