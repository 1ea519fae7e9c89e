import { connect, Socket } from 'node:net';

/** An HTTP answer as it came off the wire. */
export interface RawAnswer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  readonly socket: Socket;
  /** Resolves with the first complete answer; rejects if none comes within the timeout. */
  readonly answer: Promise<RawAnswer>;
  /** Resolves when the server has closed its side (FIN) or the socket is gone. */
  readonly serverClosed: Promise<void>;
  /** Socket errors seen (EPIPE, ECONNRESET…), by code. */
  readonly errors: string[];
}

/** Parses one answer with a Content-Length body, or returns null while it is incomplete. */
function parseAnswer(data: Buffer): RawAnswer | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (data.length < end + 4 + length) return null;
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: data.subarray(end + 4, end + 4 + length).toString('utf8'),
  };
}

export interface RawExchangeOptions {
  /** Sent in the same write as the head. */
  body?: string;
  /** How long to wait for an answer before the exchange fails. */
  timeoutMs?: number;
}

/**
 * Opens a raw TCP connection to 127.0.0.1, writes `head` (request line and
 * headers, without the blank line) and hands the socket to the test, which
 * sends as much of a body as it likes, as slowly as it likes.
 */
export function rawExchange(
  port: number,
  head: string,
  { body = '', timeoutMs = 5_000 }: RawExchangeOptions = {},
): RawExchange {
  // Half-open allowed: like a sender that keeps uploading after the server has said its piece.
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const errors: string[] = [];
  let received = Buffer.alloc(0);
  socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
  socket.write(`${head}\r\n\r\n${body}`);
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const settle = (parsed: RawAnswer | null): void => {
      if (!parsed) return;
      clearTimeout(timer);
      resolve(parsed);
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      settle(parseAnswer(received));
    });
    socket.once('close', () => {
      clearTimeout(timer);
      const parsed = parseAnswer(received);
      if (parsed) resolve(parsed);
      else reject(new Error(`closed without an answer (errors: ${errors.join(', ') || 'none'})`));
    });
  });
  const serverClosed = new Promise<void>((resolve) => {
    socket.once('end', resolve);
    socket.once('close', resolve);
  });
  return { socket, answer, serverClosed, errors };
}

/**
 * Writes `total` bytes of `chunk` repeated, waiting `everyMs` between chunks
 * (0: as fast as the socket drains). Stops early when the socket dies, as it
 * may once the server has answered; resolves with the bytes written.
 */
export async function sendBody(
  socket: Socket,
  chunk: Buffer,
  total: number,
  everyMs: number,
): Promise<number> {
  let sent = 0;
  while (sent < total && socket.writable) {
    const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
    const flushed = socket.write(piece);
    sent += piece.length;
    if (!flushed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.once('drain', done);
        socket.once('close', done);
      });
    }
    if (everyMs > 0) await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return sent;
}
