// Webhook capabilities: 256 bits derived from an installation key and the
// webhook id, so the URL can be shown again on every read while the database
// holds only its SHA-256 (a leaked table gives no working URL without the key).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { WebhookId } from '../../core/model/ids';

export interface Capabilities {
    of(webhookId: WebhookId): string;
    // A workflow delivery's callback token (contract §7): derived the same
    // way, apart from webhook capabilities by its prefix, and stored hashed.
    deliveryToken(deliveryId: string): string;
    hash(capability: string): string;
}

export const capabilities = (key: Buffer): Capabilities => ({
    of: (webhookId) => createHmac('sha256', key).update(webhookId).digest('hex'),
    deliveryToken: (deliveryId) => createHmac('sha256', key).update(`workflow-delivery:${deliveryId}`).digest('hex'),
    hash: (capability) => createHash('sha256').update(capability).digest('hex')
});

// The key given by the host wins; otherwise one is generated once and kept.
export const loadCapabilityKey = async (knex: Knex, given: string | undefined): Promise<Buffer> => {
    if (given) {
        return createHash('sha256').update(given).digest();
    }

    await knex('secrets').insert({ name: 'capability_key', value: randomBytes(32).toString('hex') }).onConflict('name').ignore();
    const row: { value: string } | undefined = await knex('secrets').where({ name: 'capability_key' }).first('value');
    if (!row) {
        throw new Error('capability key missing after insert');
    }

    return Buffer.from(row.value, 'hex');
};
