import { defineConfig } from 'tsup';

// The runner and the per-run child process; `vsim` stays external so the built package is measured,
// and so does undici (the SOAP benchmark's HTTP client, a devDependency of the workspace root).
export default defineConfig({
  entry: ['src/run.ts', 'src/child.ts'],
  format: ['esm'],
  target: 'node20',
  clean: true,
  dts: false,
  sourcemap: false,
  external: ['undici'],
});
