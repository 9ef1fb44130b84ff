// What the engine tells the operator: tags (the subsystem first, the level
// last) and the event. The plugin hands the host's server.log in, adding its
// own name as the first tag. The level tags are hapi-pino's own names, so a
// host's hapi-pino logs each event at its level as it comes.
export type Subsystem = 'converger' | 'supervisor' | 'nova' | 'octavia' | 'workflow' | 'schedule' | 'auth' | 'cluster' | 'api';

export type Level = 'error' | 'warn' | 'info' | 'debug';

export type LogTags = readonly [Subsystem, ...string[], Level];

export type Log = (tags: LogTags, data: Error | string | Readonly<Record<string, unknown>>) => void;

export const errorData = (err: unknown): Error | string => (err instanceof Error ? err : String(err));
