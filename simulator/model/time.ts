// Timestamps in the shapes each service prints them.

// Keystone: microseconds, e.g. 2026-11-25T12:00:00.000000Z
export const keystoneTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

// Nova: whole seconds, e.g. 2026-11-25T12:00:00Z
export const novaTime = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export const addMs = (d: Date, ms: number): Date => new Date(d.getTime() + ms);
