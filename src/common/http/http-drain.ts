import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';

/** At most this long is spent taking in connections already queued before the listener closes. */
const ACCEPT_GRACE_MS = 2_000;
/**
 * A keep-alive connection idle when the listener closes may already carry a
 * request not read yet; closing it at once would reset that request. It gets
 * this long to arrive, and is answered like the rest.
 */
const IDLE_GRACE_MS = 1_000;
/** Connections still open this long after the listener closed are closed, answered or not. */
const DRAIN_TIMEOUT_MS = 10_000;

export interface DrainReport {
  /** Requests answered after draining began. */
  answered: number;
  /** Requests still unanswered at the deadline, whose connections were cut. */
  cutOff: number;
}

/**
 * Stops an HTTP server without cutting off a request it has been sent: it
 * takes in what is queued, closes the listener, then every answer (those in
 * flight included) says `Connection: close`, so each keep-alive connection
 * closes after its current request; connections left idle are closed after
 * a grace period.
 */
export class HttpDrain {
  private draining = false;
  private counting = false;
  private answered = 0;
  private accepted = 0;
  private readonly inFlight = new Set<ServerResponse>();

  constructor(private readonly server: Server) {
    server.on('connection', () => (this.accepted += 1));
    server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) =>
      this.track(response),
    );
  }

  /** Resolves once every connection has closed. */
  drain(): Promise<DrainReport> {
    this.counting = true;
    return new Promise((resolve) => {
      this.whenAcceptQueueEmpty(() => {
        let cutOff = 0;
        const idle = setTimeout(() => this.server.closeIdleConnections(), IDLE_GRACE_MS);
        const deadline = setTimeout(() => {
          cutOff = this.inFlight.size;
          this.server.closeAllConnections();
        }, DRAIN_TIMEOUT_MS);
        // net.Server#close only stops accepting; http.Server#close would also close idle
        // keep-alive connections at once, resetting requests already on their way on them.
        NetServer.prototype.close.call(this.server, () => {
          clearTimeout(idle);
          clearTimeout(deadline);
          resolve({ answered: this.answered, cutOff });
        });
        // Only now: a client told to close would reconnect, into the queue being reset.
        this.draining = true;
        for (const response of this.inFlight) closeAfter(response);
      });
    });
  }

  /**
   * Closing the listener resets the connections still in the kernel's accept
   * queue, requests and all, and Node takes one of them per loop turn. So
   * the listener stays open until a turn brings no connection (or for at most
   * ACCEPT_GRACE_MS), meanwhile serving as usual.
   */
  private whenAcceptQueueEmpty(then: () => void): void {
    const giveUpAt = Date.now() + ACCEPT_GRACE_MS;
    // The first look always waits a turn more: this turn's poll phase may be over already.
    let seen = -1;
    const check = (): void => {
      if (this.accepted === seen || Date.now() >= giveUpAt) {
        then();
        return;
      }
      seen = this.accepted;
      setImmediate(check);
    };
    setImmediate(check);
  }

  private track(response: ServerResponse): void {
    if (this.draining) closeAfter(response);
    this.inFlight.add(response);
    response.once('finish', () => {
      if (this.counting) this.answered += 1;
    });
    response.once('close', () => this.inFlight.delete(response));
  }
}

function closeAfter(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('Connection', 'close');
}
