/**
 * Every property test draws from one fixed seed, so a run repeats the last one and a failure
 * replays as it was. `FC_SEED=<n> pnpm test:unit` explores other cases.
 */
import fc from 'fast-check';

const seed = process.env.FC_SEED ?? '20261126';
if (!/^-?\d+$/.test(seed)) throw new Error(`FC_SEED must be an integer, not ${JSON.stringify(seed)}`);
fc.configureGlobal({ seed: Number(seed) });
