import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppException, type FieldError } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { KommunicateMessageDto, MESSAGE_TEXT_MAX } from './kommunicate-message.dto';
import { MessageFileDto } from './message-file.dto';
import { pickMessageFields } from './pick-message-fields';
import { toMessageDto } from './to-message-dto';
import { toReceivedMessage } from './to-received-message';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'kommunicate');
const fixtureNames = readdirSync(FIXTURES).filter((name) => name.endsWith('.json'));
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

const minimal = (): Record<string, unknown> => ({
  key: 'msg-key-1',
  from: 'visitor-1',
  message: 'hello',
  timeStamp: 1700000000000,
});

/** As WebhookEndpoint validates a body: the picked fields, through the shared validation setup. */
async function accept(plain: Record<string, unknown>): Promise<KommunicateMessageDto> {
  const dto: unknown = await Promise.resolve(toMessageDto(pickMessageFields(plain)));
  expect(dto).toBeInstanceOf(KommunicateMessageDto);
  return dto as KommunicateMessageDto;
}

async function fieldErrors(plain: Record<string, unknown>): Promise<readonly FieldError[]> {
  let thrown: unknown;
  try {
    await Promise.resolve(toMessageDto(pickMessageFields(plain)));
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof AppException)) {
    throw new Error(`expected an AppException, got ${String(thrown)}`);
  }
  expect(thrown.code).toBe(ErrorCode.InvalidPayload);
  expect(thrown.code).toBe('WEBHOOK.INVALID_PAYLOAD');
  return thrown.errors ?? [];
}

const without = (field: string): Record<string, unknown> => {
  const plain = minimal();
  delete plain[field];
  return plain;
};

describe('KommunicateMessageDto through the shared validation setup', () => {
  describe('fixtures', () => {
    it('finds the Kommunicate fixtures', () => {
      expect(fixtureNames.sort()).toEqual([
        'attachment-with-metadata.json',
        'lenient-types.json',
        'one-to-one-legacy.json',
        'system-message.json',
        'text-message.json',
      ]);
    });

    it.each(fixtureNames)('%s validates with no errors', async (name) => {
      const dto = await accept(fixture(name));
      expect(dto.key).toBe(fixture(name).key);
    });

    it('attachment-with-metadata.json keeps the file and metadata as sent', async () => {
      const dto = await accept(fixture('attachment-with-metadata.json'));
      expect(dto.file).toBeInstanceOf(MessageFileDto);
      expect({ ...dto.file }).toEqual({
        name: 'name of attachment image.gif',
        url: 'https://example.com/attachments/abc.gif',
        contentType: 'image/gif',
        size: 28150,
        thumbnailUrl: 'https://example.com/attachments/abc-thumb.gif',
      });
      expect(dto.metadata).toEqual({ key1: 'value1', key2: 'value2' });
      expect(dto.groupId).toBe(123456);
      expect(dto.clientGroupId).toBe('123456');
    });

    it('lenient-types.json is normalised: numeric strings → numbers, metadata → strings, extras dropped', async () => {
      const dto = await accept(fixture('lenient-types.json'));
      expect({ ...dto }).toEqual({
        key: '5-11112222-3333-4444-5555-666677778888-1700000100000',
        from: 'visitor-7',
        groupId: 555001,
        clientGroupId: '555001',
        groupName: 'Order question',
        message: 'Where is my order #4411?',
        timeStamp: 1700000100000,
        receiverConnected: false,
        receiverLastSeenAtTime: 1700000000000,
        conversationId: 42,
        metadata: {
          KM_CHAT_CONTEXT: '{"kmUserLocale":"en","botId":"support-bot"}',
          kmUserLocale: 'en',
          KM_TEAM_ID: '7',
        },
      });
      expect(Object.keys(dto)).not.toContain('someFutureField');
    });
  });

  describe('lenient normalisation', () => {
    it('turns a numeric-string timeStamp into a number', async () => {
      const dto = await accept({ ...minimal(), timeStamp: '1700000000000' });
      expect(dto.timeStamp).toBe(1700000000000);
    });

    it('trims blanks around a numeric string', async () => {
      const dto = await accept({ ...minimal(), timeStamp: ' 1700000000000 ' });
      expect(dto.timeStamp).toBe(1700000000000);
    });

    it('turns a numeric-string file.size into a number', async () => {
      const dto = await accept({
        ...minimal(),
        file: { url: 'https://example.com/a.png', size: '123' },
      });
      expect(dto.file?.size).toBe(123);
    });

    it('turns numeric-string groupId, conversationId and receiverLastSeenAtTime into numbers', async () => {
      const dto = await accept({
        ...minimal(),
        groupId: '42',
        conversationId: '7',
        receiverLastSeenAtTime: '1699999999999',
      });
      expect(dto.groupId).toBe(42);
      expect(dto.conversationId).toBe(7);
      expect(dto.receiverLastSeenAtTime).toBe(1699999999999);
    });

    it('turns "true"/"false" receiverConnected into booleans', async () => {
      expect((await accept({ ...minimal(), receiverConnected: 'true' })).receiverConnected).toBe(
        true,
      );
      expect((await accept({ ...minimal(), receiverConnected: 'false' })).receiverConnected).toBe(
        false,
      );
    });

    it('turns a numeric clientGroupId into its decimal text', async () => {
      const dto = await accept({ ...minimal(), clientGroupId: 555001 });
      expect(dto.clientGroupId).toBe('555001');
    });

    it('turns non-string metadata values into their JSON text and drops null ones', async () => {
      const dto = await accept({
        ...minimal(),
        metadata: {
          text: 'plain',
          count: 7,
          ratio: 1.5,
          flag: true,
          off: false,
          list: [1, 'two'],
          nested: { a: { b: 1 } },
          gone: null,
        },
      });
      expect(dto.metadata).toEqual({
        text: 'plain',
        count: '7',
        ratio: '1.5',
        flag: 'true',
        off: 'false',
        list: '[1,"two"]',
        nested: '{"a":{"b":1}}',
      });
    });

    // class-transformer cannot copy such an object at all: metadata goes around it.
    it('keeps metadata keys named like Object.prototype members, constructor included', async () => {
      const dto = await accept({
        ...minimal(),
        metadata: { constructor: 'a', toString: 'b', valueOf: 'c', ctx: { hasOwnProperty: 1 } },
      });
      expect(dto.metadata).toEqual({
        constructor: 'a',
        toString: 'b',
        valueOf: 'c',
        ctx: '{"hasOwnProperty":1}',
      });
    });

    it('treats null metadata as absent', async () => {
      const dto = await accept({ ...minimal(), metadata: null });
      expect(dto.metadata).toBeUndefined();
    });

    it('drops fields Kommunicate does not document, at the top and inside file, without an error', async () => {
      const dto = await accept({
        ...minimal(),
        someFutureField: { added: 'later' },
        type: 5,
        file: { url: 'https://example.com/a.png', blobKey: 'xyz' },
      });
      expect(Object.keys(dto).sort()).toEqual(['file', 'from', 'key', 'message', 'timeStamp']);
      expect({ ...dto.file }).toEqual({ url: 'https://example.com/a.png' });
    });

    it('accepts an empty message text (a file-only message)', async () => {
      const dto = await accept({
        ...minimal(),
        message: '',
        file: { url: 'http://localhost:8080/a.png' },
      });
      expect(dto.message).toBe('');
    });
  });

  describe('required fields', () => {
    it.each(['key', 'from', 'message', 'timeStamp'])('a missing %s is named', async (field) => {
      expect(await fieldErrors(without(field))).toEqual([
        { field, message: `${field} is required` },
      ]);
    });

    it('null counts as missing', async () => {
      expect(await fieldErrors({ ...minimal(), key: null })).toEqual([
        { field: 'key', message: 'key is required' },
      ]);
    });

    it('names every missing field of an empty object, one error each', async () => {
      const errors = await fieldErrors({});
      expect(errors.map((error) => error.field).sort()).toEqual([
        'from',
        'key',
        'message',
        'timeStamp',
      ]);
      expect(errors.every((error) => error.message === `${error.field} is required`)).toBe(true);
    });

    it('rejects an empty key and an empty from', async () => {
      expect(await fieldErrors({ ...minimal(), key: '', from: '' })).toEqual([
        { field: 'key', message: 'key should not be empty' },
        { field: 'from', message: 'from should not be empty' },
      ]);
    });

    it('reports the type error when key is not a string', async () => {
      expect(await fieldErrors({ ...minimal(), key: 123 })).toEqual([
        { field: 'key', message: 'key must be a string' },
      ]);
    });

    it('rejects a timeStamp that is not an integer, or not between 2000 and 2100', async () => {
      const message = 'timeStamp must be epoch milliseconds (an integer) from 2000 to 2100';
      for (const timeStamp of [
        'soon',
        1.5,
        -1,
        '-1',
        0,
        1_700_000_000, // seconds, not milliseconds
        Date.UTC(1999, 11, 31, 23, 59, 59, 999),
        Date.UTC(2100, 0, 1) + 1,
        10_000_000_000_000,
        1e300,
        '1e12',
      ]) {
        expect(await fieldErrors({ ...minimal(), timeStamp })).toEqual([
          { field: 'timeStamp', message },
        ]);
      }
    });

    it('accepts a timeStamp from the first millisecond of 2000 to the first of 2100', async () => {
      for (const timeStamp of [Date.UTC(2000, 0, 1), Date.UTC(2100, 0, 1)]) {
        expect((await accept({ ...minimal(), timeStamp })).timeStamp).toBe(timeStamp);
      }
    });

    it('accepts a receiverLastSeenAtTime of 0 (never seen) but not past 2100', async () => {
      expect(
        (await accept({ ...minimal(), receiverLastSeenAtTime: 0 })).receiverLastSeenAtTime,
      ).toBe(0);
      expect(
        await fieldErrors({ ...minimal(), receiverLastSeenAtTime: Date.UTC(2100, 0, 1) + 1 }),
      ).toEqual([
        {
          field: 'receiverLastSeenAtTime',
          message: 'receiverLastSeenAtTime must be epoch milliseconds (an integer) from 0 to 2100',
        },
      ]);
    });
  });

  describe('ids beyond 2^53 − 1 are refused, never rounded', () => {
    // JSON.parse has already rounded an unquoted 10000000000000001 to 1e16 when the DTO
    // sees it; its exact digits are lost, so it can only be refused.
    const parsed = (text: string): Record<string, unknown> => ({
      ...minimal(),
      ...(JSON.parse(text) as Record<string, unknown>),
    });

    it.each([
      ['a 16-digit string past 2^53', parsed('{"groupId":"9999999999999999"}')],
      ['an unquoted 10000000000000001', parsed('{"groupId":10000000000000001}')],
      ['2^53', parsed('{"groupId":9007199254740992}')],
      ['a 17-digit string', parsed('{"groupId":"10000000000000001"}')],
      ['1e300', parsed('{"groupId":1e300}')],
      ['a negative id', parsed('{"groupId":-5}')],
      ['a fractional id', parsed('{"groupId":12.5}')],
      ['a fractional string', parsed('{"groupId":"12.5"}')],
    ])('groupId as %s', async (_label, body) => {
      expect(await fieldErrors(body)).toEqual([
        {
          field: 'groupId',
          message: 'groupId must be a whole number from 0 to 2^53 − 1 (9007199254740991)',
        },
      ]);
    });

    it('the same for conversationId', async () => {
      expect(await fieldErrors(parsed('{"conversationId":10000000000000001}'))).toEqual([
        {
          field: 'conversationId',
          message: 'conversationId must be a whole number from 0 to 2^53 − 1 (9007199254740991)',
        },
      ]);
    });

    it('keeps 2^53 − 1 exactly, as a number or as a string, and -0 as 0', async () => {
      for (const groupId of [9007199254740991, '9007199254740991']) {
        const dto = await accept({ ...minimal(), groupId });
        expect(dto.groupId).toBe(9007199254740991);
        expect(toReceivedMessage(dto, new Date()).conversationKey).toBe('group:9007199254740991');
      }
      for (const groupId of [-0, '-0']) {
        expect(Object.is((await accept({ ...minimal(), groupId })).groupId, 0)).toBe(true);
      }
    });
  });

  describe('strings must be well-formed Unicode', () => {
    const lone = 'sur\ud800';

    it.each(['key', 'from', 'message', 'to', 'clientGroupId', 'groupName'])(
      'a lone surrogate in %s is named',
      async (field) => {
        expect(await fieldErrors({ ...minimal(), [field]: lone })).toEqual([
          {
            field,
            message: `${field} must be well-formed Unicode text (it has a lone surrogate or a NUL)`,
          },
        ]);
      },
    );

    it.each(['name', 'url', 'contentType', 'thumbnailUrl'])(
      'a lone surrogate in file.%s is named',
      async (field) => {
        const file = { url: 'https://example.com/a.png', [field]: `https://example.com/${lone}` };
        expect(await fieldErrors({ ...minimal(), file })).toEqual([
          {
            field: `file.${field}`,
            message: `file.${field} must be well-formed Unicode text (it has a lone surrogate or a NUL)`,
          },
        ]);
      },
    );

    it.each([
      ['a key', { [lone]: 'v' }],
      ['a value', { k: `\udc00${lone}` }],
    ])('a lone surrogate in %s of metadata is named', async (_label, metadata) => {
      expect(await fieldErrors({ ...minimal(), metadata })).toEqual([
        {
          field: 'metadata',
          message:
            'metadata keys and values must be well-formed Unicode text (one has a lone surrogate or a NUL)',
        },
      ]);
    });

    it('accepts surrogate pairs, i.e. characters beyond the BMP', async () => {
      const dto = await accept({ ...minimal(), key: 'k-👋', metadata: { '😀': '🎉' } });
      expect(dto.key).toBe('k-👋');
      expect(dto.metadata).toEqual({ '😀': '🎉' });
    });
  });

  describe('file', () => {
    it.each([
      'javascript:alert(1)',
      'ftp://x',
      'ftp://example.com/a.png',
      'file:///etc/passwd',
      'data:image/png;base64,AAAA',
      '//example.com/a.png',
      'example.com/a.png',
      'https://',
      '',
    ])('rejects url %j', async (url) => {
      expect(await fieldErrors({ ...minimal(), file: { url } })).toEqual([
        { field: 'file.url', message: 'file.url must be an http(s) URL' },
      ]);
    });

    it('rejects a non-http(s) thumbnailUrl', async () => {
      expect(
        await fieldErrors({
          ...minimal(),
          file: { url: 'https://example.com/a.png', thumbnailUrl: 'javascript:alert(1)' },
        }),
      ).toEqual([
        { field: 'file.thumbnailUrl', message: 'file.thumbnailUrl must be an http(s) URL' },
      ]);
    });

    it('rejects a url longer than 2048 characters', async () => {
      const url = `https://example.com/${'a'.repeat(2048)}`;
      expect(await fieldErrors({ ...minimal(), file: { url } })).toEqual([
        { field: 'file.url', message: 'file.url must be an http(s) URL' },
      ]);
    });

    it('requires file.url when a file is sent', async () => {
      expect(await fieldErrors({ ...minimal(), file: { name: 'a.png' } })).toEqual([
        { field: 'file.url', message: 'file.url is required' },
      ]);
    });

    it.each([-1, '-1', -28150])('rejects a negative size %j', async (size) => {
      expect(
        await fieldErrors({ ...minimal(), file: { url: 'https://example.com/a.png', size } }),
      ).toEqual([
        { field: 'file.size', message: 'file.size must be a non-negative integer (bytes)' },
      ]);
    });

    it('rejects a fractional or non-numeric size', async () => {
      for (const size of [1.5, 'big']) {
        expect(
          await fieldErrors({ ...minimal(), file: { url: 'https://example.com/a.png', size } }),
        ).toEqual([
          { field: 'file.size', message: 'file.size must be a non-negative integer (bytes)' },
        ]);
      }
    });

    it.each([2 ** 40 + 1, 1e300])('rejects an absurd size %j', async (size) => {
      expect(
        await fieldErrors({ ...minimal(), file: { url: 'https://example.com/a.png', size } }),
      ).toEqual([
        { field: 'file.size', message: 'file.size must be at most 1 TiB (1099511627776 bytes)' },
      ]);
    });

    it('accepts a size of zero', async () => {
      const dto = await accept({ ...minimal(), file: { url: 'https://example.com/a', size: 0 } });
      expect(dto.file?.size).toBe(0);
    });

    it('rejects a file that is not an object', async () => {
      const errors = await fieldErrors({ ...minimal(), file: 'https://example.com/a.png' });
      expect(errors).toEqual([{ field: 'file', message: 'file must be an object' }]);
    });
  });

  describe('length limits', () => {
    it('accepts key and from of exactly 256 characters', async () => {
      const dto = await accept({ ...minimal(), key: 'k'.repeat(256), from: 'f'.repeat(256) });
      expect(dto.key).toHaveLength(256);
      expect(dto.from).toHaveLength(256);
    });

    it.each(['key', 'from', 'to', 'clientGroupId'])(
      'rejects %s over 256 characters',
      async (field) => {
        expect(await fieldErrors({ ...minimal(), [field]: 'x'.repeat(257) })).toEqual([
          {
            field,
            message: `${field} must be shorter than or equal to 256 characters`,
          },
        ]);
      },
    );

    it('accepts message text of exactly MESSAGE_TEXT_MAX and rejects one character more', async () => {
      expect(MESSAGE_TEXT_MAX).toBe(65_536);
      const dto = await accept({ ...minimal(), message: 'm'.repeat(MESSAGE_TEXT_MAX) });
      expect(dto.message).toHaveLength(MESSAGE_TEXT_MAX);
      expect(
        await fieldErrors({ ...minimal(), message: 'm'.repeat(MESSAGE_TEXT_MAX + 1) }),
      ).toEqual([
        { field: 'message', message: 'message must be shorter than or equal to 65536 characters' },
      ]);
    });

    it('rejects groupName over 1024 characters', async () => {
      expect(await fieldErrors({ ...minimal(), groupName: 'g'.repeat(1025) })).toEqual([
        {
          field: 'groupName',
          message: 'groupName must be shorter than or equal to 1024 characters',
        },
      ]);
    });

    it('rejects file.name over 1024 and file.contentType over 255 characters', async () => {
      expect(
        await fieldErrors({
          ...minimal(),
          file: {
            url: 'https://example.com/a.png',
            name: 'n'.repeat(1025),
            contentType: 'c'.repeat(256),
          },
        }),
      ).toEqual([
        {
          field: 'file.name',
          message: 'file.name must be shorter than or equal to 1024 characters',
        },
        {
          field: 'file.contentType',
          message: 'file.contentType must be shorter than or equal to 255 characters',
        },
      ]);
    });

    const metadataMessage =
      'metadata must be an object of at most 100 entries, keys up to 256 and values up to 16384 characters';

    it('accepts metadata at its limits', async () => {
      const metadata = Object.fromEntries(
        Array.from({ length: 100 }, (_, i) => [`${i}`.padEnd(256, 'k'), 'v'.repeat(16_384)]),
      );
      const dto = await accept({ ...minimal(), metadata });
      expect(Object.keys(dto.metadata ?? {})).toHaveLength(100);
    });

    it.each([
      ['a value over 16384 characters', { a: 'v'.repeat(16_385) }],
      ['a key over 256 characters', { ['k'.repeat(257)]: 'v' }],
      [
        'more than 100 entries',
        Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, 'v'])),
      ],
      ['an object whose JSON text is over 16384 characters', { a: { b: 'v'.repeat(16_384) } }],
    ])('rejects metadata with %s', async (_label, metadata) => {
      expect(await fieldErrors({ ...minimal(), metadata })).toEqual([
        { field: 'metadata', message: metadataMessage },
      ]);
    });

    it.each([
      ['an array', ['a', 'b']],
      ['a string', 'key=value'],
      ['a number', 5],
    ])('rejects metadata that is %s', async (_label, metadata) => {
      expect(await fieldErrors({ ...minimal(), metadata })).toEqual([
        { field: 'metadata', message: metadataMessage },
      ]);
    });
  });
});

describe('toReceivedMessage', () => {
  const receivedAt = new Date('2024-01-02T03:04:05.000Z');

  it('maps every absent optional field to null, metadata to {} and file to null', async () => {
    const dto = await accept(minimal());
    expect(toReceivedMessage(dto, receivedAt)).toEqual({
      key: 'msg-key-1',
      from: 'visitor-1',
      to: null,
      text: 'hello',
      timeStamp: 1700000000000,
      receivedAt,
      conversationKey: null,
      groupId: null,
      clientGroupId: null,
      groupName: null,
      conversationId: null,
      receiverConnected: null,
      receiverLastSeenAtTime: null,
      file: null,
      metadata: {},
    });
  });

  it('maps absent optional file fields to null', async () => {
    const dto = await accept({ ...minimal(), file: { url: 'https://example.com/a.png' } });
    expect(toReceivedMessage(dto, receivedAt).file).toEqual({
      name: null,
      url: 'https://example.com/a.png',
      contentType: null,
      size: null,
      thumbnailUrl: null,
    });
  });

  it('keeps false and 0 rather than turning them into null', async () => {
    const dto = await accept({
      ...minimal(),
      groupId: 0,
      receiverConnected: false,
      file: { url: 'https://example.com/a', size: 0 },
    });
    const message = toReceivedMessage(dto, receivedAt);
    expect(message.groupId).toBe(0);
    expect(message.conversationKey).toBe('group:0');
    expect(message.receiverConnected).toBe(false);
    expect(message.file?.size).toBe(0);
  });

  it('maps the attachment fixture in full', async () => {
    const dto = await accept(fixture('attachment-with-metadata.json'));
    expect(toReceivedMessage(dto, receivedAt)).toEqual({
      key: '5-0b1d2c3e-4f50-4a61-9b72-83c94da5e6f7-1461590467000',
      from: 'sender-user-id',
      to: null,
      text: 'message content',
      timeStamp: 1461590467000,
      receivedAt,
      conversationKey: 'group:123456',
      groupId: 123456,
      clientGroupId: '123456',
      groupName: 'Conversation',
      conversationId: null,
      receiverConnected: null,
      receiverLastSeenAtTime: null,
      file: {
        name: 'name of attachment image.gif',
        url: 'https://example.com/attachments/abc.gif',
        contentType: 'image/gif',
        size: 28150,
        thumbnailUrl: 'https://example.com/attachments/abc-thumb.gif',
      },
      metadata: { key1: 'value1', key2: 'value2' },
    });
  });

  it('keys a legacy one-to-one chat by the sorted pair of users', async () => {
    const dto = await accept(fixture('one-to-one-legacy.json'));
    const message = toReceivedMessage(dto, receivedAt);
    expect(message.conversationKey).toBe('direct:kevin|lee');
    expect(message.to).toBe('kevin');
    expect(message.groupId).toBeNull();
  });

  it('keys by clientGroupId when there is no groupId', async () => {
    const dto = await accept({ ...minimal(), clientGroupId: 'support-42', to: 'agent' });
    expect(toReceivedMessage(dto, receivedAt).conversationKey).toBe('client-group:support-42');
  });

  it('keys the lenient fixture by its numeric-string groupId', async () => {
    const dto = await accept(fixture('lenient-types.json'));
    const message = toReceivedMessage(dto, receivedAt);
    expect(message.conversationKey).toBe('group:555001');
    expect(message.groupId).toBe(555001);
    expect(message.timeStamp).toBe(1700000100000);
  });
});
