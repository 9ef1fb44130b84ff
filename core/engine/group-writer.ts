// Items written in groups, so that many share one write (one transaction,
// one commit): whatever arrives while a write is under way waits for the
// next, which takes all that waits (at most `max`). A write starts once the
// event loop has run what was already due (answers that came together go
// together, even where a write finishes without waiting for I/O, as an
// embedded database's can); alone, an item is written at once; under load,
// the group grows with the load. Each caller gets its own item's result, or
// the group's error.
export type GroupWriter<T, R> = (item: T) => Promise<R>;

interface Waiting<T, R> {
    readonly item: T;
    readonly resolve: (result: R) => void;
    readonly reject: (err: unknown) => void;
}

// `turn`: a turn of the event loop (the Scheduler's).
export const groupWriter = <T, R>(write: (items: readonly T[]) => Promise<readonly R[]>, max: number, turn: () => Promise<void>): GroupWriter<T, R> => {
    const waiting: Waiting<T, R>[] = [];
    let writing = false;
    const drain = async (): Promise<void> => {
        while (waiting.length > 0) {
            const group = waiting.splice(0, max);
            try {
                const results = await write(group.map((w) => w.item));
                group.forEach((w, i) => w.resolve(results[i] as R));
            }
            catch (err) {
                group.forEach((w) => w.reject(err));
            }
        }

        writing = false;
    };

    return (item) => new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (!writing) {
            writing = true;
            void turn().then(drain);
        }
    });
};
