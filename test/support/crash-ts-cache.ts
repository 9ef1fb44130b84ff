// Preloaded after ts-register.js into the crash test's child processes
// (CRASH_TS_CACHE names a directory the test owns): lab's same transform, its
// output kept per file and source hash, so that each of the many restarts
// does not transpile the whole tree again (most of a restart's ~2.4 s).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

interface Transform {
    readonly ext: string;
    transform(source: string, filename: string): string;
}

interface Compilable {
    _compile(code: string, filename: string): void;
}

const dir = process.env.CRASH_TS_CACHE;
if (dir) {
    mkdirSync(dir, { recursive: true });
    const lab = createRequire(__filename)('@hapi/lab/lib/modules/typescript') as { extensions: readonly Transform[] };
    for (const { ext, transform } of lab.extensions) {
        require.extensions[ext] = (module, filename) => {
            const source = readFileSync(filename, 'utf8');
            const cached = join(dir, `${createHash('sha256').update(filename).update('\0').update(source).digest('hex')}.js`);
            let code: string;
            try {
                code = readFileSync(cached, 'utf8');
            }
            catch {
                code = transform(source, filename);
                // Written aside then renamed: a child killed mid-write never leaves half a file.
                const partial = `${cached}.${process.pid}`;
                writeFileSync(partial, code);
                renameSync(partial, cached);
            }

            (module as unknown as Compilable)._compile(code, filename);
        };
    }
}
