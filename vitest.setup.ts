/**
 * Every property test draws from one fixed seed, so a run repeats the last one and a failure
 * replays as it was. `FC_SEED=<n> pnpm test:unit` explores other cases.
 */
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261126) });
