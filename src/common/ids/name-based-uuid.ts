import { createHash } from 'node:crypto';

// kommhook's own namespace for RFC 9562 version-5 UUIDs (itself a random v4).
const NAMESPACE = Buffer.from('5c1f2a8e7b3d4e0f9a6b2c4d8e0f1a3b', 'hex');

/**
 * The same name always gives the same UUID (v5). Event and delivery ids are
 * derived this way so that a redelivery after a crash, or a replay, carries
 * the id its first run had: handlers can use it to stay idempotent.
 */
export function nameBasedUuid(name: string): string {
  const bytes = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
