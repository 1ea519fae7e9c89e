/** A Kommunicate message as the webhook receives it. */
export interface CrashMessage {
  key: string;
  from: string;
  groupId: number;
  clientGroupId: string;
  groupName: string;
  message: string;
  timeStamp: number;
  receiverConnected: false;
  receiverLastSeenAtTime: number;
}

export interface SendResult {
  key: string;
  /** HTTP status, or null when no answer came (connection refused or reset). */
  status: number | null;
  /** `accepted` or `duplicate` for a 200. */
  outcome?: string;
  error?: string;
}

const CONVERSATIONS = 25;

export function crashMessages(runId: string, count: number): CrashMessage[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const conversation = 90_000 + (i % CONVERSATIONS);
    return {
      key: `5-crash-${runId}-${String(i).padStart(4, '0')}`,
      from: `visitor-${i % 7}`,
      groupId: conversation,
      clientGroupId: String(conversation),
      groupName: `Crash conversation ${i % CONVERSATIONS}`,
      message: `crash test message ${i} of run ${runId}`,
      timeStamp: now + i,
      receiverConnected: false,
      receiverLastSeenAtTime: now - 60_000,
    };
  });
}

/**
 * POSTs every message to the webhook, `concurrency` at a time, in order.
 * `onAnswer` runs after each answered request with the count so far (the
 * test kills the server from there). Never throws: a request that got no
 * answer has status null.
 */
export async function sendAll(
  url: string,
  token: string,
  messages: readonly CrashMessage[],
  concurrency: number,
  onAnswer: (answered: number) => void = () => undefined,
): Promise<SendResult[]> {
  const results: SendResult[] = new Array<SendResult>(messages.length);
  const authentication = `Basic ${Buffer.from(token).toString('base64')}`;
  let next = 0;
  let answered = 0;

  const worker = async (): Promise<void> => {
    while (next < messages.length) {
      const index = next;
      next += 1;
      const message = messages[index];
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { Authentication: authentication, 'Content-Type': 'application/json' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await response.text();
        let outcome: string | undefined;
        try {
          outcome = (JSON.parse(text) as { status?: string }).status;
        } catch {
          outcome = undefined;
        }
        results[index] = { key: message.key, status: response.status, outcome };
        answered += 1;
        onAnswer(answered);
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        results[index] = {
          key: message.key,
          status: null,
          error: cause ?? (error instanceof Error ? error.message : String(error)),
        };
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return results;
}
