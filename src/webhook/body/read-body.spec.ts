import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { AppException } from '../../common/errors/app.exception';
import { readBody } from './read-body';

/** A request body stream with headers, as far as readBody looks at it. */
function requestWith(headers: IncomingHttpHeaders): PassThrough & IncomingMessage {
  return Object.assign(new PassThrough(), { headers }) as unknown as PassThrough & IncomingMessage;
}

async function rejection(promise: Promise<unknown>): Promise<AppException> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof AppException))
    throw new Error(`expected an AppException, got ${String(error)}`);
  return error;
}

describe('readBody', () => {
  it('reads the whole body, in as many chunks as it comes', async () => {
    const request = requestWith({ 'content-length': '11' });
    const body = readBody(request, 100);
    request.write('hello ');
    request.end('world');
    expect((await body).toString()).toBe('hello world');
  });

  it('accepts a body of exactly the limit', async () => {
    const request = requestWith({});
    const body = readBody(request, 4);
    request.end('1234');
    expect((await body).length).toBe(4);
  });

  it('refuses a declared length over the limit without reading a byte', async () => {
    const request = requestWith({ 'content-length': '10000000000' });
    const error = await rejection(readBody(request, 1024));
    expect(error.code).toBe('WEBHOOK.PAYLOAD_TOO_LARGE');
    expect(error.message).toBe('The body is larger than 1024 bytes.');
    expect(request.readableFlowing).toBeNull();
  });

  it('refuses a streamed body once it passes the limit, and stops buffering it', async () => {
    const request = requestWith({ 'transfer-encoding': 'chunked' });
    const body = readBody(request, 10);
    request.write('0123456789');
    request.write('a');
    const error = await rejection(body);
    expect(error.code).toBe('WEBHOOK.PAYLOAD_TOO_LARGE');
    expect(request.listenerCount('data')).toBe(0);
    // What still comes is dropped: the stream keeps flowing with nothing holding the bytes.
    expect(request.readableFlowing).toBe(true);
    request.write(Buffer.alloc(1_000_000));
    await new Promise((resolve) => setImmediate(resolve));
    expect(request.readableLength).toBe(0);
  });

  it.each(['gzip', 'deflate', 'br'])('refuses Content-Encoding: %s with 415', async (encoding) => {
    const request = requestWith({ 'content-encoding': encoding });
    const error = await rejection(readBody(request, 100));
    expect(error.code).toBe('WEBHOOK.UNSUPPORTED_MEDIA_TYPE');
    expect(request.readableFlowing).toBeNull();
  });

  it('takes Content-Encoding: identity as no encoding', async () => {
    const request = requestWith({ 'content-encoding': 'Identity' });
    const body = readBody(request, 100);
    request.end('{}');
    expect((await body).toString()).toBe('{}');
  });

  it('fails, without hanging, when the client goes away before the end', async () => {
    const request = requestWith({ 'content-length': '100' });
    const body = readBody(request, 1000);
    request.write('partial');
    request.destroy();
    const error = await rejection(body);
    expect(error.code).toBe('WEBHOOK.MALFORMED_JSON');
    expect(error.message).toBe('The body could not be read.');
  });
});
