// The thread MessageBodyParser hands large bodies to.
import { parentPort } from 'node:worker_threads';
import { reply, type ParseRequest } from './message-body';

parentPort?.on('message', (request: ParseRequest) => parentPort?.postMessage(reply(request)));
