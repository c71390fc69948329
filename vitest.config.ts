import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript source (see tsconfig.base.json), never to
// a stale build. Tests run in Vite's server-side environment, which has its own conditions.
const conditions = ['@vsim/source', 'module', 'node', 'import', 'default'];
const resolve = { conditions };
const ssr = { resolve: { conditions, externalConditions: conditions } };

export default defineConfig({
  resolve,
  ssr,
  test: {
    projects: [
      {
        resolve,
        ssr,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'examples/**/*.test.ts'],
          setupFiles: ['./vitest.setup.ts'],
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/conformance/**'],
          setupFiles: ['./vitest.setup.ts'],
        },
      },
    ],
  },
});
