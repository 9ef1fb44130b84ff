// An image as Glance v2 renders it. Glance's links are paths, not URLs.
import { createHash } from 'node:crypto';
import type { Image } from '../model/resources';
import { novaTime } from '../model/time';

// Every simulated image is the same 1 GiB raw disk; its hashes are stable per id.
const SIZE = 1073741824;

const digest = (algorithm: string, id: string): string => createHash(algorithm).update(`image:${id}`).digest('hex');

export const imageBody = (image: Image): unknown => {
    return {
        id: image.id,
        name: image.name,
        status: 'active',
        visibility: image.visibility,
        owner: image.owner,
        protected: false,
        os_hidden: false,
        tags: [],
        container_format: 'bare',
        disk_format: 'raw',
        min_disk: 0,
        min_ram: 0,
        size: SIZE,
        virtual_size: SIZE,
        checksum: digest('md5', image.id),
        os_hash_algo: 'sha512',
        os_hash_value: digest('sha512', image.id),
        created_at: novaTime(image.created),
        updated_at: novaTime(image.created),
        self: `/v2/images/${image.id}`,
        file: `/v2/images/${image.id}/file`,
        schema: '/v2/schemas/image'
    };
};
