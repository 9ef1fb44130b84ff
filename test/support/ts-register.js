'use strict';

// `node -r ./test/support/ts-register.js file.ts`: runs TypeScript sources in a
// child process the way lab runs them in its own (lab's transform, tsconfig.json).
const { extensions } = require('@hapi/lab/lib/modules/typescript');

for (const { ext, transform } of extensions) {
    require.extensions[ext] = (module, filename) => {
        const source = require('node:fs').readFileSync(filename, 'utf8');
        module._compile(transform(source, filename), filename);
    };
}
