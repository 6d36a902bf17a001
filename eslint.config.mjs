import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** A no-restricted-imports pattern group with the reason shown to whoever breaks it. */
const layer = (group, message) => ({ group, message });

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', '.angular/', 'coverage/', 'var/', 'test-output/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        project: ['./tsconfig.json', './apps/dashboard/tsconfig.app.json', './apps/dashboard/tsconfig.spec.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['apps/dashboard/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // consistent-type-imports stays on everywhere: with experimentalDecorators and
  // emitDecoratorMetadata in tsconfig, the rule leaves files with decorators alone, so the
  // constructor types Nest reads at runtime keep their value imports.
  // Layering (docs/ARCHITECTURE.md): libs never import apps; the two apps never import each other;
  // tests, benchmarks and examples reach the server through @forgesyte/server/*, never ../apps.
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [layer(['**/apps/**', '@forgesyte/server', '@forgesyte/server/*'], 'libs never import apps')] },
      ],
    },
  },
  {
    files: ['apps/server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            layer(['**/dashboard/**'], 'the server never imports the dashboard'),
            layer(['**/libs/**'], 'import libs through @forgesyte/*'),
          ],
        },
      ],
    },
  },
  {
    files: ['apps/dashboard/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            layer(
              ['**/server/**', '@forgesyte/server', '@forgesyte/server/*'],
              'the dashboard never imports the server; share types through @forgesyte/contracts',
            ),
            layer(['**/libs/**'], 'import libs through @forgesyte/*'),
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            layer(
              ['**/apps/**', '**/libs/**'],
              'import through @forgesyte/server/*, @forgesyte/contracts or @forgesyte/vision',
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node }, parserOptions: { project: false, projectService: false } },
  },
  prettier,
);
