import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'build/', '.wrangler/', '.home/', '.xdg/', 'coverage/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        crypto: 'readonly',
        fetch: 'readonly',
        Request: 'readonly',
        Response: 'readonly',
        Headers: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        AbortController: 'readonly',
        atob: 'readonly',
        btoa: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // lib/core, lib/schemes and the API-key format run unchanged in Node, Lambda and workerd: Web APIs only.
    files: ['lib/core/**/*.ts', 'lib/schemes/**/*.ts', 'lib/keys/api-key-format.ts'],
    ignores: ['lib/core/crypto-node.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'http', 'https', 'os', 'hono', 'hono/*', '@aws-sdk/*'],
              message: 'lib/core and lib/schemes must stay platform-free',
            },
          ],
        },
      ],
    },
  },
  {
    // The token service runs in workerd too: Web APIs, hono, jose, kysely and oauth4webapi only; only
    // store/postgres.ts (Node) may load pg, and only dynamically.
    files: ['lib/token-service/**/*.ts'],
    ignores: ['lib/token-service/store/postgres.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'http', 'https', 'os', 'pg', 'pg-*', '@aws-sdk/*', '@hono/node-server'],
              message: 'the token service must stay platform-free (pg belongs in store/postgres.ts only)',
            },
          ],
        },
      ],
    },
  },
);
