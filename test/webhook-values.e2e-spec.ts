import { createTestApp, message, removeDataDir, TestApp } from './support/test-app';

/** A valid message's JSON text with `field` set to `valueText`, written exactly as given. */
function withRaw(
  field: string,
  valueText: string,
  overrides: Record<string, unknown> = {},
): string {
  const text = JSON.stringify({ ...message(overrides), [field]: '@@' });
  return text.replace('"@@"', valueText);
}

describe('POST /message/forward: values that cannot be stored faithfully are refused', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  const countMessages = async (): Promise<number> =>
    Number(
      (
        await t.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  async function expectRefused(body: string, field: string, message: string): Promise<void> {
    const before = await countMessages();
    const answer = await t.deliver(body).expect(400);
    expect(answer.body).toEqual({
      statusCode: 400,
      code: 'WEBHOOK.INVALID_PAYLOAD',
      message: 'The payload has missing or invalid fields.',
      errors: [{ field, message }],
    });
    expect(await countMessages()).toBe(before);
  }

  describe('a lone surrogate escape', () => {
    const lone = '"sur\\ud800"';
    const notUnicode = (field: string): string =>
      `${field} must be well-formed Unicode text (it has a lone surrogate or a NUL)`;

    it('in the key: 400 naming key, not a message that could never be addressed', async () => {
      await expectRefused(withRaw('key', lone), 'key', notUnicode('key'));
    });

    it.each(['from', 'to', 'message', 'groupName', 'clientGroupId'])('in %s', async (field) => {
      await expectRefused(withRaw(field, lone), field, notUnicode(field));
    });

    it('in a file field', async () => {
      await expectRefused(
        withRaw('file', `{"url":"https://example.com/a.png","name":${lone}}`),
        'file.name',
        notUnicode('file.name'),
      );
    });

    it('in a metadata key or value', async () => {
      const message =
        'metadata keys and values must be well-formed Unicode text (one has a lone surrogate or a NUL)';
      await expectRefused(withRaw('metadata', `{${lone}:"v"}`), 'metadata', message);
      await expectRefused(withRaw('metadata', `{"k":"\\udfff"}`), 'metadata', message);
    });

    it('in an undocumented field: accepted, kept escaped in the raw payload', async () => {
      const body = withRaw('extra', lone);
      const key = (JSON.parse(body) as { key: string }).key;
      await t.deliver(body).expect(200, { status: 'accepted', key });
      const stored = await t.admin(`/api/messages/${encodeURIComponent(key)}`).expect(200);
      expect((stored.body as { raw: { extra: string } }).raw.extra).toBe('sur\ud800');
    });

    it('a surrogate pair is a character: accepted and found again by its key', async () => {
      const body = withRaw('key', '"emoji-\\ud83d\\udc4b"');
      await t.deliver(body).expect(200, { status: 'accepted', key: 'emoji-👋' });
      await t.admin(`/api/messages/${encodeURIComponent('emoji-👋')}`).expect(200);
    });
  });

  describe('a NUL character', () => {
    // PostgreSQL's text cannot hold it; both stores refuse it alike.
    it.each(['key', 'message', 'from', 'groupName'])('in %s: 400 naming it', async (field) => {
      await expectRefused(
        withRaw(field, '"a\\u0000b"'),
        field,
        `${field} must be well-formed Unicode text (it has a lone surrogate or a NUL)`,
      );
    });

    it('in a metadata value', async () => {
      await expectRefused(
        withRaw('metadata', '{"k":"a\\u0000b"}'),
        'metadata',
        'metadata keys and values must be well-formed Unicode text (one has a lone surrogate or a NUL)',
      );
    });
  });

  describe('numbers', () => {
    const idMessage = (field: string): string =>
      `${field} must be a whole number from 0 to 2^53 − 1 (9007199254740991)`;

    it.each([
      ['"9999999999999999"'],
      ['10000000000000001'],
      ['9007199254740992'],
      ['1e300'],
      ['-1'],
      ['12.5'],
    ])('groupId %s: 400, never rounded into another conversation', async (value) => {
      await expectRefused(withRaw('groupId', value), 'groupId', idMessage('groupId'));
    });

    it('conversationId past 2^53 − 1: 400', async () => {
      await expectRefused(
        withRaw('conversationId', '10000000000000001'),
        'conversationId',
        idMessage('conversationId'),
      );
    });

    it('the two largest safe ids stay two conversations', async () => {
      const a = message({ groupId: 9007199254740990 });
      const b = message({ groupId: '9007199254740991' });
      await t.deliver(a).expect(200);
      await t.deliver(b).expect(200);
      const rows = await t.db
        .selectFrom('messages')
        .select(['key', 'conversation_key'])
        .where('key', 'in', [a.key, b.key])
        .orderBy('conversation_key')
        .execute();
      expect(rows.map((row) => row.conversation_key)).toEqual([
        'group:9007199254740990',
        'group:9007199254740991',
      ]);
    });

    it.each([
      ['seconds instead of milliseconds', '1700000000'],
      ['1e300', '1e300'],
      ['before 2000', '946684799999'],
    ])('timeStamp as %s: 400', async (_label, value) => {
      await expectRefused(
        withRaw('timeStamp', value),
        'timeStamp',
        'timeStamp must be epoch milliseconds (an integer) from 2000 to 2100',
      );
    });

    it('file.size of 1e300: 400', async () => {
      await expectRefused(
        withRaw('file', '{"url":"https://example.com/a.png","size":1e300}'),
        'file.size',
        'file.size must be at most 1 TiB (1099511627776 bytes)',
      );
    });
  });
});
