// What the engine tells the operator: tags (the subsystem first) and the
// event. The plugin hands the host's server.log in.
export type Log = (tags: readonly string[], data: Error | string | Readonly<Record<string, unknown>>) => void;

export const errorData = (err: unknown): Error | string => (err instanceof Error ? err : String(err));
