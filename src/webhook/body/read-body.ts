import type { IncomingMessage } from 'node:http';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-codes';

const tooLarge = (limit: number): AppException =>
  new AppException(ErrorCode.PayloadTooLarge, `The body is larger than ${limit} bytes.`);

/**
 * Reads a request body as bytes, at most `limit` of them. A declared
 * Content-Length over the limit is refused before a byte is read; a body that
 * grows past it while streaming (chunked) is refused as soon as it does, and
 * what it still sends is discarded, never buffered.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  // No decompression: Kommunicate does not compress, and inflating is how a small body gets huge.
  const encoding = request.headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    return Promise.reject(
      new AppException(ErrorCode.UnsupportedMediaType, 'The body encoding is not supported.'),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) {
        stop();
        chunks.length = 0;
        // Still flowing with no listener: the rest is read off the wire and dropped.
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks, received));
    };
    // The client went away before the end of its body: nobody is left to answer.
    const onClose = (): void => {
      stop();
      reject(new AppException(ErrorCode.MalformedJson, 'The body could not be read.'));
    };
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('close', onClose);
  });
}
