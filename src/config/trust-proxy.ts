import { isIP } from 'node:net';

/** Express's `trust proxy`, as kommhook allows it: a hop count, or the proxies' addresses. */
export type TrustProxy = number | readonly string[];

/** Ranges Express knows by name. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = address.includes('%') ? 0 : isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return (
    prefix === undefined ||
    (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))
  );
}

/**
 * Reads TRUST_PROXY: `false` or `0` (no proxy: the socket's address is the
 * client), `true` (one proxy, the same as `1`), a number of proxy hops, or a
 * comma-separated list of proxy addresses and CIDR ranges. Never "trust
 * everything": then the left-most X-Forwarded-For entry, which the client
 * writes, would be its address. Null when the text is none of these.
 */
export function parseTrustProxy(text: string): TrustProxy | null {
  const value = text.trim().toLowerCase();
  if (value === 'false') return 0;
  if (value === 'true') return 1;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  return entries.length > 0 && entries.every(isAddressOrRange) ? entries : null;
}
