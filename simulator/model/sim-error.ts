// A caller of the simulator's own API (in process or /_sim) asked for something impossible.
export class SimInputError extends Error {}
