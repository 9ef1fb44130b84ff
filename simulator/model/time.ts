// Timestamps in the shapes each service prints them.

// Keystone: microseconds, e.g. 2026-11-25T12:00:00.000000Z
export function keystoneTime(d: Date): string {
    return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

// Nova: whole seconds, e.g. 2026-11-25T12:00:00Z
export function novaTime(d: Date): string {
    return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function addMs(d: Date, ms: number): Date {
    return new Date(d.getTime() + ms);
}
