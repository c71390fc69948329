import { describe, expect, it } from 'vitest';
import { mebibytesOf } from './vm-classes.js';

describe('mebibytesOf', () => {
  it('reads Kubernetes quantities as MiB, rounded up, the same on a second read', () => {
    const quantities = ['4Gi', '512Mi', '1.5Gi', '1000M', '1Ti', '1', '2048Ki'];
    const expected = [4096, 512, 1536, 954, 1048576, 1, 2];
    expect(quantities.map(mebibytesOf)).toEqual(expected);
    expect(quantities.map(mebibytesOf)).toEqual(expected);
  });

  it('has no answer for what is no quantity', () => {
    for (const bad of ['', 'Gi', '4 GB', '-1Gi', '4Gib']) expect(mebibytesOf(bad)).toBeUndefined();
  });
});
