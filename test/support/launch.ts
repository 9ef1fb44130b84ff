// A launch configuration's server with every key contract §3 takes, for the
// validation matrix (stored as written) and the converger (sent as written).
export const netId = '3f0e1a52-5c2b-4d8e-9a41-7d2b6c0e9f10';
export const imageId = '70a599e0-31e7-49b7-b260-868f441e862b';

// `n` bytes, base64 encoded as Nova takes user_data and personality contents.
export const bytes64 = (n: number): string => Buffer.alloc(n, 7).toString('base64');

export const everyServerKey = (flavorRef: string, image: string): Record<string, unknown> => ({
    name: 'wëb 🚀', imageRef: image, flavorRef, networks: [{ uuid: netId }, { uuid: netId, fixed_ip: '10.0.0.5' }],
    key_name: 'ops', user_data: bytes64(100), personality: [{ path: '/etc/motd', contents: bytes64(10) }], metadata: { team: 'web' },
    security_groups: [{ name: 'default' }], availability_zone: 'nova',
    block_device_mapping_v2: [
        { source_type: 'image', uuid: image, destination_type: 'volume', volume_size: 10, boot_index: 0, delete_on_termination: true },
        { source_type: 'blank', destination_type: 'local', guest_format: 'swap', volume_size: 1, boot_index: -1, delete_on_termination: true }
    ],
    config_drive: true, description: 'the web tier'
});
