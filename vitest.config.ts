import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources: `#crypto` resolves to lib/ under this condition (package.json
// `imports`), and to the compiled dist/ files everywhere else (a consumer of the package).
const SOURCE_CONDITION = 'edge-authorizer-source';

export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
  test: {
    include: ['lib/**/*.test.ts', 'test/**/*.test.ts', 'functions/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
