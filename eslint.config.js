'use strict';

const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

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
        // The engine declares ports; adapters implement them and plugin/ wires HTTP.
        files: ['core/**/*.ts'],
        rules: {
            'no-restricted-imports': ['error', {
                patterns: [
                    { group: ['**/adapters', '**/adapters/**'], message: 'core/ declares ports; it never imports adapters/.' },
                    { group: ['**/plugin', '**/plugin/**'], message: 'core/ never imports plugin/.' },
                    { group: ['@hapi/*', 'knex', 'pg', 'undici', 'opossum', '@electric-sql/*'], message: 'core/ stays free of I/O libraries.' }
                ]
            }]
        }
    },
    {
        files: ['**/*.js'],
        // lab's coverage instrumenter reads these parser options for JS too.
        languageOptions: { sourceType: 'commonjs', parserOptions: { requireConfigFile: false }, globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', URL: 'readonly' } },
        rules: { '@typescript-eslint/no-require-imports': 'off' }
    }
);
