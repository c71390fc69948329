/** What a CloudConfig's raw JSON fields hold, read as vm-operator reads them. */
import type { SecretKeySelector, WriteFile } from './types.js';

/**
 * Where a file's content is: inline (a string; none is an empty one), or a Secret's key (an
 * object whose `name` and `key`, when there, are strings); undefined when it is neither.
 */
export function writeFileContent(
  file: WriteFile,
): { inline: string } | { secret: SecretKeySelector } | undefined {
  const content = file.content ?? '';
  if (typeof content === 'string') return { inline: content };
  if (typeof content !== 'object' || Array.isArray(content)) return undefined;
  const { name = '', key = '' } = content as Record<string, unknown>;
  return typeof name === 'string' && typeof key === 'string' ? { secret: { name, key } } : undefined;
}
