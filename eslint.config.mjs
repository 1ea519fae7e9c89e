import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The modules of src/ and the modules each may import: every arrow points
 * down, so no two modules import each other (the composition root, src/*.ts,
 * may import anything). A module listed in PUBLIC_API is imported through
 * its index only: the rest is its own business.
 */
const MODULES = {
  common: [],
  config: ['common'],
  messages: ['common'],
  auth: ['common', 'config'],
  logging: ['common', 'config'],
  metrics: ['common', 'config', 'auth'],
  storage: ['common', 'config'],
  inbox: ['common', 'config', 'messages', 'storage'],
  delivery: ['common', 'config', 'messages', 'metrics', 'storage', 'inbox'],
  webhook: ['common', 'config', 'messages', 'logging', 'metrics', 'storage', 'inbox', 'delivery'],
  analytics: ['common', 'config', 'auth', 'messages', 'metrics', 'storage', 'delivery'],
  support: ['common', 'config', 'auth', 'messages', 'metrics', 'storage', 'delivery'],
  notifications: [
    'common',
    'config',
    'auth',
    'messages',
    'metrics',
    'storage',
    'delivery',
    'support',
  ],
  admin: ['common', 'config', 'auth', 'messages', 'inbox', 'delivery'],
  dashboard: ['common', 'config', 'auth'],
  health: ['common', 'config', 'storage'],
};
const PUBLIC_API = ['delivery', 'support'];
/** Second entry points of a PUBLIC_API module that only specs may import (its testing kit). */
const SPEC_API = { delivery: 'testing' };

function moduleBoundaries() {
  const names = Object.keys(MODULES);
  return names.flatMap((name) => {
    const allowed = new Set([name, ...MODULES[name]]);
    const forbidden = names.filter((other) => !allowed.has(other));
    const patterns = (inSpec) => {
      const list = [];
      if (forbidden.length > 0) {
        list.push({
          regex: `(^|/)(${forbidden.join('|')})(/|$)`,
          message: `${name}/ may import only ${MODULES[name].join(', ') || 'no other module'} (see MODULES in eslint.config.mjs and "Modules" in the README).`,
        });
      }
      for (const api of PUBLIC_API.filter((other) => other !== name && allowed.has(other))) {
        const kit = inSpec && SPEC_API[api] ? `(?!${SPEC_API[api]}$)` : '';
        list.push({
          regex: `(^|/)${api}/${kit}`,
          message: `Import ${api}/ through its index${SPEC_API[api] ? ` (specs: or ${api}/${SPEC_API[api]})` : ''}: the rest of it is not its public API.`,
        });
      }
      return list;
    };
    return [
      {
        files: [`src/${name}/**/*.ts`],
        rules: { 'no-restricted-imports': ['error', { patterns: patterns(false) }] },
      },
      {
        files: [`src/${name}/**/*.spec.ts`],
        rules: { 'no-restricted-imports': ['error', { patterns: patterns(true) }] },
      },
    ];
  });
}

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'coverage/',
      'data/',
      'node_modules/',
      'test-artifacts/',
      'src/analytics/dashboard/vendor/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.jest },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/explicit-module-boundary-types': 'off',
    },
  },
  ...moduleBoundaries(),
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Jest's configuration files and the benchmark's peer servers are CommonJS.
    files: ['jest*.js', 'bench/peers/*.js', 'test/support/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The dashboard's browser script: plain ES2020 that the page runs, not Node.
    files: ['src/dashboard/public/**/*.js'],
    languageOptions: { ecmaVersion: 2020, sourceType: 'script', globals: globals.browser },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
