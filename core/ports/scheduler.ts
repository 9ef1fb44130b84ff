// Timers, as a port: the engine says "later", adapters/schedule/ owns the
// clock's timers. A timer never keeps the host's process alive.
export interface Timer {
    cancel(): void;
}

export interface Scheduler {
    after(ms: number, fn: () => void): Timer;
    // A turn of the event loop: what was started before it (a request) goes out first.
    turn(): Promise<void>;
}
