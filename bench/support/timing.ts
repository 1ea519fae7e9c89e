import { performance } from 'node:perf_hooks';

/** Deterministic PRNG, so that every run measures the same store. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `runs` sequential GETs with the admin token after one warm-up call: p50, p95 and max, ms. */
export async function timeGet(
  url: string,
  adminToken: string,
  runs: number,
): Promise<{ p50: number; p95: number; max: number }> {
  const headers = { Authorization: `Bearer ${adminToken}` };
  const warm = await fetch(url, { headers });
  if (!warm.ok) throw new Error(`${url} answered ${warm.status}: ${await warm.text()}`);
  await warm.arrayBuffer();
  const durations: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    durations.push(performance.now() - started);
  }
  durations.sort((x, y) => x - y);
  const at = (q: number): number =>
    durations[Math.min(durations.length - 1, Math.floor(q * durations.length))];
  return { p50: at(0.5), p95: at(0.95), max: durations[durations.length - 1] };
}
