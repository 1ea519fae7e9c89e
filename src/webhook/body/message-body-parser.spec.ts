import { AppException } from '../../common/errors/app.exception';
import { MessageBodyParser, OFF_THREAD_MIN_LENGTH } from './message-body-parser';

/** A message whose text is padded by an undocumented field to `length` characters. */
function body(length: number, fields: Record<string, unknown> = {}): string {
  const text = JSON.stringify({ key: 'k-1', from: 'lee', padding: '', ...fields });
  return text.replace('"padding":""', `"padding":"${'x'.repeat(length - text.length)}"`);
}

describe('MessageBodyParser', () => {
  let parser: MessageBodyParser;

  beforeEach(() => {
    parser = new MessageBodyParser();
  });

  afterEach(async () => {
    await parser.onApplicationShutdown();
  });

  it('gives the same picked fields for a small body (here) and a large one (on the thread)', async () => {
    const small = body(1000, { metadata: { n: 1 } });
    const large = body(OFF_THREAD_MIN_LENGTH, { metadata: { n: 1 } });
    expect(large).toHaveLength(OFF_THREAD_MIN_LENGTH);
    const expected = { key: 'k-1', from: 'lee', metadata: { n: '1' } };
    expect(await parser.parse(small)).toEqual(expected);
    expect(await parser.parse(large)).toEqual(expected);
  });

  it('brings a rejection back from the thread as the same AppException', async () => {
    const large = `{"__proto__":{"x":1},${body(OFF_THREAD_MIN_LENGTH).slice(1)}`;
    const error: unknown = await parser.parse(large).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AppException);
    expect(error).toMatchObject({
      code: 'WEBHOOK.INVALID_PAYLOAD',
      errors: [{ field: '(body)', message: 'contains a "__proto__" key' }],
    });
    await expect(parser.parse(`${body(OFF_THREAD_MIN_LENGTH)}x`)).rejects.toMatchObject({
      code: 'WEBHOOK.MALFORMED_JSON',
    });
  });

  it('answers bodies posted at once, each with its own fields', async () => {
    const keys = ['a', 'b', 'c', 'd'];
    const parsed = await Promise.all(
      keys.map((key) => parser.parse(body(OFF_THREAD_MIN_LENGTH * 2, { key }))),
    );
    expect(parsed.map((fields) => fields.key)).toEqual(keys);
  });

  it('fails what a stopped thread held, and starts a new one for the next body', async () => {
    const pending = parser.parse(body(1024 * 1024));
    await parser.onApplicationShutdown();
    await expect(pending).rejects.toThrow(/^body parser failed: exited with code/);
    expect(await parser.parse(body(OFF_THREAD_MIN_LENGTH))).toEqual({ key: 'k-1', from: 'lee' });
  });
});
