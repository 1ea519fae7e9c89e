import { createHash, hash } from 'node:crypto';

// kommhook's own namespace for RFC 9562 version-5 UUIDs (itself a random v4).
const NAMESPACE = Buffer.from('5c1f2a8e7b3d4e0f9a6b2c4d8e0f1a3b', 'hex');

// One-shot hashing (Node 20.12 and later) costs a third of a Hash object; every message needs several.
const sha1Hex = (data: Buffer): string =>
  typeof hash === 'function'
    ? hash('sha1', data, 'hex')
    : createHash('sha1').update(data).digest('hex');

/**
 * The same name always gives the same UUID (v5). Event and delivery ids are
 * derived this way so that a redelivery after a crash, or a replay, carries
 * the id its first run had: handlers can use it to stay idempotent.
 */
export function nameBasedUuid(name: string): string {
  const hex = sha1Hex(Buffer.concat([NAMESPACE, Buffer.from(name, 'utf8')]));
  // Version 5 in the 13th digit, the RFC's variant (10xx) in the 17th.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The same (time, name) always gives the same UUID: a version-8 UUID whose
 * first 48 bits are the time in epoch ms (as in version 7) and whose other
 * 74 free bits come from the name's hash. Rows keyed by it are written in
 * time order, next to each other, instead of at random places in the index:
 * a store writes a page per row otherwise.
 */
export function timeOrderedUuid(atMs: number, name: string): string {
  const time = Math.max(0, Math.min(Math.floor(atMs), 2 ** 48 - 1))
    .toString(16)
    .padStart(12, '0');
  const hex = sha1Hex(Buffer.concat([NAMESPACE, Buffer.from(name, 'utf8')]));
  const variant = ((parseInt(hex[3], 16) & 0x3) | 0x8).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-8${hex.slice(0, 3)}-${variant}${hex.slice(4, 7)}-${hex.slice(7, 19)}`;
}
