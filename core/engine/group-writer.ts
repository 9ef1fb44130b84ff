// Items written in groups, so that many share one write (one transaction,
// one commit): whatever arrives while a write is under way waits for the
// next, which takes all that waits (at most `max`; with `writers` above 1,
// as many writes go on at once, each taking what waits as it starts). A
// write starts once the event loop has run what was already due (answers
// that came together go together, even where a write finishes without
// waiting for I/O, as an embedded database's can). While `held()` says more
// items are on their way, a write waits for `min` of them, or for flush().
// Each caller gets its own item's result, or the group's error.
export interface GroupWriter<T, R> {
    (item: T): Promise<R>;
    // What waits is written now, held or not (the items on their way are not coming).
    flush(): void;
}

export interface GroupWriterOptions {
    readonly max: number;                     // items a write at most
    readonly writers: number;                 // writes under way at once
    readonly turn: () => Promise<void>;       // a turn of the event loop (the Scheduler's)
    readonly min?: number;                    // items a write waits for while held
    readonly held?: () => boolean;            // more items are on their way
}

interface Waiting<T, R> {
    readonly item: T;
    readonly resolve: (result: R) => void;
    readonly reject: (err: unknown) => void;
}

export const groupWriter = <T, R>(write: (items: readonly T[]) => Promise<readonly R[]>, options: GroupWriterOptions): GroupWriter<T, R> => {
    const { max, writers, turn, min = 1, held } = options;
    const waiting: Waiting<T, R>[] = [];
    let writing = 0;
    let flushing = false;
    const due = (): boolean => waiting.length > 0 && (flushing || waiting.length >= min || held?.() !== true);
    const drain = async (): Promise<void> => {
        while (due()) {
            flushing = false;
            const group = waiting.splice(0, max);
            try {
                const results = await write(group.map((w) => w.item));
                group.forEach((w, i) => w.resolve(results[i] as R));
            }
            catch (err) {
                group.forEach((w) => w.reject(err));
            }
        }

        writing--;
    };
    const start = (): void => {
        if (writing < writers && due()) {
            writing++;
            void turn().then(drain);
        }
    };

    return Object.assign((item: T) => new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        start();
    }), {
        flush: () => {
            flushing = waiting.length > 0;
            start();
        }
    });
};
