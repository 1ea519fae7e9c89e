import { pickMessageFields } from './pick-message-fields';

const many = (count: number, value: unknown = 'v'): Record<string, unknown> =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`x${i}`, value]));

describe('pickMessageFields', () => {
  it('keeps the documented fields, numbers sent as text normalised, and nothing else', () => {
    const body = {
      key: 'k',
      from: 'f',
      message: '',
      timeStamp: '1700000000000',
      to: null,
      groupId: 5,
      receiverConnected: false,
      ...many(1000),
    };
    expect(pickMessageFields(body)).toEqual({
      key: 'k',
      from: 'f',
      message: '',
      timeStamp: 1700000000000,
      to: null,
      groupId: 5,
      receiverConnected: false,
    });
  });

  it('puts an empty object or array where a scalar belongs, so nothing walks the original', () => {
    expect(pickMessageFields({ key: many(1000), from: [many(10)], groupId: {} })).toEqual({
      key: {},
      from: [],
      groupId: {},
    });
  });

  it('keeps only the documented fields of file, and a non-object file by its type', () => {
    const file = { url: 'https://example.com/a', size: '5', name: { a: 1 }, ...many(1000) };
    expect(pickMessageFields({ file })).toEqual({
      file: { url: 'https://example.com/a', size: 5, name: {} },
    });
    expect(pickMessageFields({ file: [file] })).toEqual({ file: [] });
    expect(pickMessageFields({ file: 'a.png' })).toEqual({ file: 'a.png' });
    expect(pickMessageFields({ file: null })).toEqual({ file: null });
  });

  it('normalises metadata and keeps one entry past the limit', () => {
    expect(
      pickMessageFields({
        metadata: { a: 'b', n: 1, o: { p: [true] }, gone: null, toString: 'x' },
      }),
    ).toEqual({ metadata: { a: 'b', n: '1', o: '{"p":[true]}', toString: 'x' } });
    const picked = pickMessageFields({ metadata: many(100_000, { nested: many(10) }) });
    expect(Object.keys(picked.metadata as object)).toHaveLength(101);
  });

  it('treats null metadata as absent and keeps a non-object by its type', () => {
    expect(pickMessageFields({ metadata: null })).toEqual({});
    expect(pickMessageFields({ metadata: [many(1000)] })).toEqual({ metadata: [] });
    expect(pickMessageFields({ metadata: 'k=v' })).toEqual({ metadata: 'k=v' });
  });
});
