/** metav1.Duration, as Go's `time.ParseDuration` reads it when vm-operator's webhooks decode an object. */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A metav1.Duration (`1m30s`, `1.5h`, `0`) in milliseconds; undefined when it is none. */
export function parseDuration(text: string): number | undefined {
  const body = text.replace(/^[-+]/, '');
  if (body === '0') return 0;
  if (body === '' || !/^((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(body)) return undefined;
  let ms = 0;
  for (const [, value, unit] of body.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    ms += Number(value) * (UNIT_MS[unit as string] as number);
  return text.startsWith('-') ? -ms : ms;
}

/** The first of an object's durations that is none, as Go's decoding of it names it (the webhook then fails). */
export function undecodableDuration(durations: Iterable<unknown>): string | undefined {
  for (const duration of durations)
    if (typeof duration === 'string' && parseDuration(duration) === undefined)
      return `time: invalid duration ${JSON.stringify(duration)}`;
  return undefined;
}
