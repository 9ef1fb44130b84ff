'use strict';

const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const importX = require('eslint-plugin-import-x');
const local = require('./scripts/eslint-rules');

// Timers belong to adapters/schedule/ (and to adapters that keep their own,
// such as HTTP deadlines): plugin/ and core/ say "later" through a port.
const timerGlobals = ['setTimeout', 'setInterval', 'setImmediate'].map((name) => ({
    name, message: 'Timers stay out of plugin/ and core/: only adapters/schedule/ owns them.'
}));
const timerModules = ['timers', 'timers/promises', 'node:timers', 'node:timers/promises'].map((name) => ({
    name, message: 'Timers stay out of plugin/ and core/: only adapters/schedule/ owns them.'
}));

// core/ depends on nothing but itself.
const corePatterns = [
    { group: ['**/adapters', '**/adapters/**'], message: 'core/ declares ports; it never imports adapters/.' },
    { group: ['**/plugin', '**/plugin/**'], message: 'core/ never imports plugin/.' },
    { group: ['@hapi/*', 'knex', 'pg', 'undici', 'opossum', '@electric-sql/*'], message: 'core/ stays free of I/O libraries.' }
];

module.exports = tseslint.config(
    { ignores: ['node_modules/**', 'dist/**', '.data/**', 'coverage/**'] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ['**/*.ts'],
        rules: {
            '@typescript-eslint/no-explicit-any': 'error',
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
            'no-restricted-syntax': ['error',
                { selector: "CallExpression[callee.property.name='only']", message: 'A focused test silences the rest.' },
                { selector: "CallExpression[callee.property.name='skip']", message: 'A skipped test needs to run or go.' }
            ]
        }
    },
    {
        // No import cycle. import-x/no-cycle follows value imports (it skips
        // type-only ones, with no option to count them); local/no-type-cycle
        // reports the cycles that a type-only import closes.
        files: ['**/*.ts'],
        plugins: { 'import-x': importX.importX, local },
        settings: {
            'import-x/extensions': ['.ts', '.js'],
            // Our relative imports carry no extension: the built-in resolver, told to try .ts first.
            'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js', '.json', '.node'] })]
        },
        rules: {
            'import-x/no-cycle': 'error',
            'local/no-type-cycle': 'error'
        }
    },
    {
        // The engine declares ports; adapters implement them and plugin/ wires HTTP.
        files: ['core/**/*.ts'],
        rules: {
            'no-restricted-imports': ['error', { paths: timerModules, patterns: corePatterns }],
            'no-restricted-globals': ['error', ...timerGlobals]
        }
    },
    {
        files: ['plugin/**/*.ts'],
        rules: {
            'no-restricted-imports': ['error', { paths: timerModules }],
            'no-restricted-globals': ['error', ...timerGlobals]
        }
    },
    {
        // An example uses the package as a host would: its entry points (package.json
        // `exports`: plugin/index.ts, simulator/index.ts) and other packages, nothing inside.
        files: ['examples/**/*.ts'],
        rules: {
            'no-restricted-imports': ['error', {
                patterns: [{
                    regex: '^\\.\\./(?!(plugin|simulator)$)',
                    message: "examples/ import only the package's entry points: '../plugin' or '../simulator'."
                }]
            }]
        }
    },


    {
        files: ['**/*.js'],
        // lab's coverage instrumenter reads these parser options for JS too.
        languageOptions: { sourceType: 'commonjs', parserOptions: { requireConfigFile: false }, globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', URL: 'readonly' } },
        rules: { '@typescript-eslint/no-require-imports': 'off' }
    },
    {
        // The operator page's script runs in a browser as a classic script: the
        // browser's globals it uses, and none of Node's.
        files: ['plugin/ui/**/*.js'],
        languageOptions: {
            sourceType: 'script',
            globals: {
                require: 'off', module: 'off', process: 'off', __dirname: 'off',
                window: 'readonly', document: 'readonly', sessionStorage: 'readonly', fetch: 'readonly', AbortController: 'readonly',
                setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly'
            }
        }
    }
);
