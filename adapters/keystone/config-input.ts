// What the service account's settings are read from, and the error when they
// are incomplete. Injected so tests need neither the real env nor real files.
import * as Fs from 'node:fs';

export type Env = Readonly<Record<string, string | undefined>>;

// null: the file does not exist.
export type ReadFile = (path: string) => string | null;

export class ServiceAccountError extends Error {
    override readonly name = 'ServiceAccountError';
}

export const readFileIfExists: ReadFile = (path) => {
    try {
        return Fs.readFileSync(path, 'utf8');
    }
    catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') {
            return null;
        }

        throw err;
    }
};

export const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value);
