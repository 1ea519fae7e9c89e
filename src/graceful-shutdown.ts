import { INestApplication, Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import { HttpDrain } from './common/http/http-drain';
import { DeliveryDispatcher } from './delivery/delivery-dispatcher';

/**
 * On SIGTERM or SIGINT: stop accepting, answer the requests in flight and
 * close keep-alive connections, then (app.close) finish the deliveries
 * running and release the queued ones, close the store, and log one line
 * saying what was drained.
 */
export function enableGracefulShutdown(app: INestApplication): void {
  const http = new HttpDrain(app.getHttpServer() as Server);
  const dispatcher = app.get(DeliveryDispatcher);
  const logger = new Logger('Shutdown');

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    const startedAt = Date.now();
    const requests = await http.drain();
    await app.close();
    const { finished, released } = dispatcher.drained;
    const durationMs = Date.now() - startedAt;
    logger.log(
      {
        signal,
        requestsAnswered: requests.answered,
        requestsCutOff: requests.cutOff,
        deliveriesFinished: finished,
        deliveriesReleased: released,
        durationMs,
      },
      `shut down on ${signal} in ${durationMs} ms: answered ${requests.answered} requests after the signal` +
        `${requests.cutOff > 0 ? ` (${requests.cutOff} cut off)` : ''}, finished ${finished} deliveries` +
        ` and released ${released}, closed the store`,
    );
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    // Once: another SIGTERM or SIGINT then takes Node's default, ending the process at once.
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
