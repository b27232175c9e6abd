// Lint: type-aware rules where they catch real bugs in a streaming pipeline (floating promises, misused promises).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/.work/**', 'bench/.corpus/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // Layering: the matcher is pure (no fs, no git, no process); reporters import only types and report helpers.
    files: ['src/matcher/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:fs*', 'node:child_process', 'isomorphic-git', '**/sources/**', '**/pipeline/**', '**/cli/**'] }],
    },
  },
  {
    files: ['src/report/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['node:fs*', 'node:child_process', '**/sources/**', '**/pipeline/**', '**/cli/**', '**/matcher/**'] }] },
  },
  {
    files: ['src/sources/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/matcher/**', '**/pipeline/**', '**/cli/**'] }] },
  },
  {
    files: ['src/types/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['*'] }] },
  },
);
