// A stop on scaling, globally or for one region, with who set it and why.
export type KillSwitchScope = { readonly kind: 'global' } | { readonly kind: 'region'; readonly region: string };
export type KillSwitchMode = 'scale-up' | 'all';

export interface KillSwitch {
    readonly scope: KillSwitchScope;
    readonly mode: KillSwitchMode;
    readonly reason: string;
    readonly who: string;
    readonly expiresAt: Date | null;
}

// A switch set or cleared, as the history keeps it: `who` set it, or cleared it.
export interface KillSwitchEvent extends KillSwitch {
    readonly id: string;
    readonly action: 'set' | 'cleared';
    readonly at: Date;
}

export const scopeName = (scope: KillSwitchScope): string => (scope.kind === 'global' ? 'global' : `region:${scope.region}`);

export const parseScope = (name: string): KillSwitchScope | null => {
    if (name === 'global') {
        return { kind: 'global' };
    }

    const region = /^region:(.{1,255})$/.exec(name)?.[1];
    return region ? { kind: 'region', region } : null;
};

// The switch that stops a move of desired from `before` to `after` in `region`, if any.
export const stoppingSwitch = (switches: readonly KillSwitch[], region: string | null, before: number, after: number, now: Date): KillSwitch | null =>
    switches.find((s) =>
        (s.expiresAt === null || now.getTime() < s.expiresAt.getTime()) &&
        (s.scope.kind === 'global' || s.scope.region === region) &&
        (s.mode === 'all' || after > before)
    ) ?? null;

// The mode in force for a group's region at `now` ('all' beats 'scale-up'): what the converger obeys.
export const modeInForce = (switches: readonly KillSwitch[], region: string | null, now: Date): 'none' | KillSwitchMode => {
    const live = switches.filter((s) =>
        (s.expiresAt === null || now.getTime() < s.expiresAt.getTime()) && (s.scope.kind === 'global' || s.scope.region === region));
    return live.some((s) => s.mode === 'all') ? 'all' : live.length > 0 ? 'scale-up' : 'none';
};

// The switch that holds a group's convergence: desired is not what it has in
// service or on the way (`serving`), and the switch withholds the steps between,
// as the converger's gate does (core/converge/plan.ts applyGates: `all` creates
// and deletes, `scale-up` creates).
export const holdingSwitch = (switches: readonly KillSwitch[], region: string | null, serving: number, desired: number, now: Date): KillSwitch | null =>
    serving === desired ? null : stoppingSwitch(switches, region, serving, desired, now);

// What that hold withholds, in the same words wherever it is shown (activity, state).
export const holdWords = (held: KillSwitch, serving: number, desired: number): string =>
    `kill-switch ${scopeName(held.scope)} (${held.mode}) set by ${held.who} holds the ${desired > serving ? 'creates' : 'deletes'} until it lifts: ${held.reason}`;
