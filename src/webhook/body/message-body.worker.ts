// The thread MessageBodyParser hands large bodies to.
import { parentPort } from 'node:worker_threads';
import { parseMessageBody, type ParseReply, type ParseRequest } from './message-body';

parentPort?.on('message', ({ id, text }: ParseRequest) => {
  const reply: ParseReply = { id, ...parseMessageBody(text) };
  parentPort?.postMessage(reply);
});
