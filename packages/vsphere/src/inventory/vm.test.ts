import { describe, expect, it } from 'vitest';
import { hardwareVersionNumber, isSupportedHardwareVersion } from './vm.js';

describe('hardware versions', () => {
  it('reads the number of a vmx-NN version, and nothing of any other text', () => {
    expect(['vmx-7', 'vmx-19', 'vmx-21', 'vmx-100'].map(hardwareVersionNumber)).toEqual([7, 19, 21, 100]);
    for (const text of [undefined, '', 'vmx-', 'vmx-1a', 'VMX-19', 'vmx-19 ', ' vmx-19', 'vmx19'])
      expect(hardwareVersionNumber(text)).toBeUndefined();
  });

  it('takes a version up to the latest the hosts run', () => {
    expect(isSupportedHardwareVersion('vmx-13')).toBe(true);
    expect(isSupportedHardwareVersion('vmx-99')).toBe(false);
    expect(isSupportedHardwareVersion('nineteen')).toBe(false);
  });
});
