'use strict';

// lab reads this for every run: TypeScript through lab's own transform,
// coverage over the code we ship, and undici's global dispatcher is expected,
// as is the URLPattern that puppeteer-core (the browser test) sets where Node has none.
module.exports = {
    typescript: true,
    coverage: true,
    'coverage-path': '.',
    'coverage-exclude': ['node_modules', 'test', 'bench', 'examples', 'dist', 'scripts'],
    // The suite's line coverage, measured on PGlite (96.33 % when set), rounded
    // down: lab fails a run below it. Raise it as coverage grows; scripts/test.js
    // also holds every file under core/ to 100 %.
    threshold: 97,
    globals: 'Symbol(undici.globalDispatcher.1),Symbol(undici.globalDispatcher.2),URLPattern',
    timeout: 30000,
    'context-timeout': 60000
};
