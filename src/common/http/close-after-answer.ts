import type { IncomingMessage, ServerResponse } from 'node:http';

/** How long a closing connection keeps discarding what the client still sends. */
export const LINGER_MS = 2_000;

/** Whether part of the request's body has not arrived (or not been read) yet. */
export function bodyStillComing(request: IncomingMessage): boolean {
  if (request.complete) return false;
  const declared = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined ||
    (declared !== undefined && Number(declared) > 0)
  );
}

/**
 * For an answer given before the request's body was read (a 401 to a
 * sender still uploading): `Connection: close`, so the rest of the body is
 * not read for ever to keep the connection, then a close in stages
 * (RFC 9112 §9.6). Node closes a `Connection: close` connection through
 * `destroySoon()` once the answer is flushed; closing fully while the client
 * is still sending makes the kernel answer its bytes with a reset, which can
 * destroy the answer before the client reads it. So: end the write side
 * after the answer, keep discarding what arrives, and close for good when
 * the client does or after LINGER_MS.
 */
export function closeAfterAnswer(request: IncomingMessage, response: ServerResponse): void {
  response.setHeader('Connection', 'close');
  const socket = request.socket;
  socket.destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    socket.once('close', () => clearTimeout(timer));
  };
}
