import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources: `#crypto` resolves to lib/ under this condition (package.json
// `imports`), and to the compiled dist/ files everywhere else (a consumer of the package).
const SOURCE_CONDITION = 'edge-authorizer-source';

export default defineConfig({
  // Vitest's own default minus "module" (which would send Node to ESM builds meant for bundlers), plus ours.
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions.filter((c) => c !== 'module')] } },
  test: {
    include: ['lib/**/*.test.ts', 'test/**/*.test.ts', 'functions/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One throwaway PostgreSQL server for the run; each test file that needs it creates its own database.
    globalSetup: ['test/helpers/postgres-global-setup.ts'],
  },
});
