import type { ServerResponse } from 'node:http';

/**
 * Writes a streamed answer chunk by chunk with backpressure: a write that
 * fills the buffer waits for 'drain', so a slow client slows the producer
 * instead of growing the process's memory; a client gone stops it.
 */
export class ResponseWriter {
  private closed = false;

  constructor(private readonly response: ServerResponse) {
    // 'close' also follows a normal end; before it, it means the client went away.
    response.once('close', () => (this.closed = true));
  }

  /** False once the client is gone: the caller stops producing. */
  get open(): boolean {
    return !this.closed && !this.response.destroyed;
  }

  /** Resolves when the chunk is taken (buffer drained), to false if the client went away. */
  async write(chunk: string): Promise<boolean> {
    if (!this.open) return false;
    if (chunk.length > 0 && !this.response.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.response.off('drain', done);
          this.response.off('close', done);
          resolve();
        };
        this.response.on('drain', done);
        this.response.on('close', done);
      });
    }
    return this.open;
  }
}
