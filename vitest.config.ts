import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript source (see tsconfig.base.json).
const resolve = { conditions: ['@vsim/source'] };

export default defineConfig({
  resolve,
  test: {
    projects: [
      {
        resolve,
        test: { name: 'unit', include: ['packages/*/src/**/*.test.ts', 'examples/**/*.test.ts'] },
      },
      {
        resolve,
        test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: ['test/conformance/**'] },
      },
    ],
  },
});
