// The demo host's numeric settings from its environment (README table), as
// the plugin's options: each variable is read as a number at start, and a
// value the plugin refuses is reported under the variable's own name, not an
// option path the operator never wrote.
type Env = NodeJS.ProcessEnv;

// Variable → where it goes in the plugin's options.
const NUMBERS: readonly (readonly [string, readonly string[]])[] = [
    ['AUTOSCALE_CONVERGE_INTERVAL_S', ['intervals', 'convergeS']],
    ['AUTOSCALE_BUILD_TIMEOUT_S', ['intervals', 'buildTimeoutS']],
    ['AUTOSCALE_ORPHAN_GRACE_S', ['converger', 'orphanGraceS']],
    ['AUTOSCALE_PARALLEL_GROUPS', ['converger', 'parallelGroups']],
    ['AUTOSCALE_CREATES_PER_S', ['converger', 'createBudget', 'createsPerS']],
    ['AUTOSCALE_CREATE_BURST', ['converger', 'createBudget', 'burst']],
    ['AUTOSCALE_CREATES_IN_FLIGHT', ['converger', 'createBudget', 'maxInFlight']],
    ['AUTOSCALE_BREAKER_ERROR_PERCENT', ['converger', 'breaker', 'errorThresholdPercentage']],
    ['AUTOSCALE_BREAKER_VOLUME', ['converger', 'breaker', 'volumeThreshold']],
    ['AUTOSCALE_BREAKER_CONSECUTIVE_FAILURES', ['converger', 'breaker', 'consecutiveFailures']],
    ['AUTOSCALE_BREAKER_RESET_MS', ['converger', 'breaker', 'resetTimeoutMs']],
    ['AUTOSCALE_LEASE_TTL_S', ['cluster', 'leaseTtlS']],
    ['AUTOSCALE_SCHEDULE_GRACE_S', ['schedules', 'graceS']],
    ['AUTOSCALE_WEBHOOK_ATTEMPT_TIMEOUT_MS', ['webhooks', 'attemptTimeoutMs']]
];

export type NumericOptions = Record<string, Record<string, unknown>>;

const numberOf = (name: string, raw: string): number => {
    const value = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(value)) {
        throw new Error(`${name} must be a number, not "${raw}"`);
    }

    return value;
};

// The options the set variables give, nested as the plugin takes them; an unset one is the plugin's default.
export const numericOptionsFromEnv = (env: Env): NumericOptions => {
    const options: NumericOptions = {};
    for (const [name, [section = '', ...path]] of NUMBERS) {
        const raw = env[name];
        if (raw === undefined) {
            continue;
        }

        let at: Record<string, unknown> = options[section] ??= {};
        path.forEach((key, i) => {
            if (i === path.length - 1) {
                at[key] = numberOf(name, raw);
                return;
            }

            const next = at[key];
            at = (typeof next === 'object' && next !== null ? next : (at[key] = {})) as Record<string, unknown>;
        });
    }

    return options;
};

// The plugin's refusal of an option a variable set, named by that variable.
export const inEnvTerms = (err: unknown, env: Env): unknown => {
    if (!(err instanceof Error)) {
        return err;
    }

    const named = NUMBERS.find(([name, path]) => env[name] !== undefined && err.message.includes(`"${path.join('.')}"`));
    return named ? new Error(`${named[0]}=${String(env[named[0]])}: ${err.message}`, { cause: err }) : err;
};
