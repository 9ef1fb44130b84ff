// Compute microversions: 'OpenStack-API-Version: compute 2.X' or the legacy
// 'X-OpenStack-Nova-API-Version: 2.X'; none means the minimum, 2.1.
import { header, type SimRequest } from '../http/messages';

export interface Version {
    readonly major: number;
    readonly minor: number;
}

export const MIN_VERSION: Version = { major: 2, minor: 1 };
export const MAX_VERSION: Version = { major: 2, minor: 96 };

export type VersionOutcome =
    | { readonly ok: true; readonly version: Version }
    | { readonly ok: false; readonly status: 400 | 406; readonly message: string };

export const format = (v: Version): string => `${v.major}.${v.minor}`;

// The version string the client asked for, as sent ('2.1' when it asked for none).
export const requestedMicroversion = (req: SimRequest): string => {
    const modern = header(req, 'openstack-api-version');
    for (const part of modern?.split(',') ?? []) {
        const [service, value] = part.trim().split(/\s+/);
        if (service?.toLowerCase() === 'compute' && value !== undefined) {
            return value;
        }
    }

    return header(req, 'x-openstack-nova-api-version')?.trim() || format(MIN_VERSION);
};

export const negotiate = (requested: string): VersionOutcome => {
    if (requested.toLowerCase() === 'latest') {
        return { ok: true, version: MAX_VERSION };
    }

    const m = /^(\d+)\.(\d+)$/.exec(requested);
    if (!m) {
        return { ok: false, status: 400, message: `API Version String ${requested} is of invalid format. Must be of format MajorNum.MinorNum.` };
    }

    const version: Version = { major: Number(m[1]), minor: Number(m[2]) };
    if (compare(version, MIN_VERSION) < 0 || compare(version, MAX_VERSION) > 0) {
        return {
            ok: false,
            status: 406,
            message: `Version ${requested} is not supported by the API. Minimum is ${format(MIN_VERSION)} and maximum is ${format(MAX_VERSION)}.`
        };
    }

    return { ok: true, version };
};

export const compare = (a: Version, b: Version): number => a.major - b.major || a.minor - b.minor;

export const atLeast = (v: Version, minor: number): boolean => compare(v, { major: 2, minor }) >= 0;

export const versionHeaders = (v: Version): Record<string, string> => {
    return {
        'OpenStack-API-Version': `compute ${format(v)}`,
        'X-OpenStack-Nova-API-Version': format(v),
        Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version'
    };
};
