// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Modules that do I/O: the pure layers may not import them. */
const IO_MODULES = [
  'node:fs',
  'node:fs/*',
  'fs',
  'fs/*',
  'node:child_process',
  'child_process',
  'node:net',
  'net',
  'node:http',
  'node:https',
  'node:dgram',
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'bench/out/**',
      'test/fixtures/**',
      'bin/**',
      'bench/**',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // node:test's test() returns a promise the runner tracks; tests may assert freely.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Zones judge data handed to them (model text, capture summaries, stored rows): no I/O of their own.
    files: ['src/zones/**/*.ts'],
    ignores: ['**/*.test.ts', 'src/zones/testing.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: IO_MODULES,
              message: 'src/zones is pure: the CLI reads files, captures and the store.',
            },
            {
              group: [
                '**/collect/**',
                '**/targets/**',
                '**/store/**',
                '**/cli/**',
                '**/capture/index.js',
                '**/capture/reader.js',
              ],
              message:
                'src/zones takes capture summaries and store rows as data (types only from src/capture).',
            },
          ],
        },
      ],
    },
  },
  {
    // Collect vs evaluate: the engine and core are pure — they never open files, sockets or processes.
    files: ['src/engine/**/*.ts', 'src/core/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: IO_MODULES,
              message: 'engine and core are pure: no I/O. Read through a collector.',
            },
            {
              group: ['**/collect/**', '**/targets/**', '**/store/**', '**/cli/**'],
              message: 'engine and core import only core.',
            },
          ],
        },
      ],
    },
  },
);
