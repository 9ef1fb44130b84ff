// Parsed JSON or YAML from outside (a request body, Nova's answer, clouds.yaml)
// is `unknown` until checked: an object with string keys is the first check.
export const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
