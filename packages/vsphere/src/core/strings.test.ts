import { describe, expect, it } from 'vitest';
import { flat } from './strings.js';

describe('flat', () => {
  it('returns the same text', () => {
    const name = 'vm-name-7';
    expect(flat(`[LocalDS_0] ${name}/${name}.vmdk`)).toBe('[LocalDS_0] vm-name-7/vm-name-7.vmdk');
    expect(flat('')).toBe('');
  });
});
