'use strict';

// lab reads this for every run: TypeScript through lab's own transform,
// coverage over the code we ship, and undici's global dispatcher is expected.
module.exports = {
    typescript: true,
    coverage: true,
    'coverage-path': '.',
    'coverage-exclude': ['node_modules', 'test', 'bench', 'examples', 'dist', 'scripts'],
    threshold: 0,
    globals: 'Symbol(undici.globalDispatcher.1),Symbol(undici.globalDispatcher.2)',
    timeout: 30000,
    'context-timeout': 60000
};
