// The time, as a port: decisions take `now` as an argument; the shell reads it here.
export interface Clock {
    now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
