import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppException } from '../../common/errors/app.exception';
import { ParseOutcome, ParseReply, parseMessageBody } from './message-body';

/**
 * Bodies at least this long are parsed on a worker thread. JSON.parse of a
 * megabyte holding one object of 100,000 keys takes 50 ms on a quiet machine
 * and several times that on a busy one: the event loop, and with it every
 * other request, would wait that long. Smaller bodies are quicker to parse
 * here than to hand over.
 */
export const OFF_THREAD_MIN_LENGTH = 64 * 1024;

const WORKER_FILE = join(__dirname, `message-body.worker${extname(__filename)}`);

interface Thread {
  readonly worker: Worker;
  /** Requests posted to this thread and not yet answered, by id. */
  readonly pending: Map<number, (outcome: ParseOutcome) => void>;
}

/** Parses webhook bodies into the fields the DTO reads, large ones off the event loop. */
@Injectable()
export class MessageBodyParser implements OnApplicationShutdown {
  private thread: Thread | null = null;
  private nextId = 0;

  /** The picked fields, or the 4xx AppException that says why there are none. */
  async parse(text: string): Promise<Record<string, unknown>> {
    const answer =
      text.length < OFF_THREAD_MIN_LENGTH ? parseMessageBody(text) : await this.offThread(text);
    if ('value' in answer) return answer.value;
    if ('rejection' in answer) {
      const { code, message, errors } = answer.rejection;
      throw new AppException(code, message, errors);
    }
    throw new Error(`body parser failed: ${answer.failure}`);
  }

  /** After the server has stopped taking requests; anything still pending fails. */
  async onApplicationShutdown(): Promise<void> {
    const thread = this.thread;
    this.thread = null;
    await thread?.worker.terminate();
  }

  private offThread(text: string): Promise<ParseOutcome> {
    const thread = this.thread ?? (this.thread = this.start());
    const id = ++this.nextId;
    return new Promise((resolve) => {
      thread.pending.set(id, resolve);
      thread.worker.postMessage({ id, text });
    });
  }

  private start(): Thread {
    const worker = WORKER_FILE.endsWith('.ts')
      ? // Under ts-node or ts-jest the worker is TypeScript too and needs the same loader.
        new Worker(
          `require('ts-node/register/transpile-only'); require(${JSON.stringify(WORKER_FILE)});`,
          { eval: true },
        )
      : new Worker(WORKER_FILE);
    worker.unref(); // never what keeps the process alive
    const thread: Thread = { worker, pending: new Map() };
    worker.on('message', ({ id, ...outcome }: ParseReply) => {
      thread.pending.get(id)?.(outcome);
      thread.pending.delete(id);
    });
    // A dead thread fails what it held; the next large body starts a new one.
    const fail = (reason: string): void => {
      if (this.thread === thread) this.thread = null;
      for (const resolve of thread.pending.values()) resolve({ failure: reason });
      thread.pending.clear();
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    return thread;
  }
}
