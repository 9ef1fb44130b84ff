// At most `size` tasks at once; the others wait their turn, in order.
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export const limiter = (size: number): Limiter => {
    let active = 0;
    const waiting: (() => void)[] = [];
    return async <T>(task: () => Promise<T>): Promise<T> => {
        if (active < size) {
            active++;
        }
        else {
            await new Promise<void>((resolve) => waiting.push(resolve));   // the slot is handed over, not freed
        }

        try {
            return await task();
        }
        finally {
            const next = waiting.shift();
            if (next) {
                next();
            }
            else {
                active--;
            }
        }
    };
};
