import { describeFailure } from './describe-failure';

describe('describeFailure', () => {
  it('keeps the name and message of an error, not its stack', () => {
    const error = new TypeError('bad thing');
    expect(describeFailure(error)).toBe('TypeError: bad thing');
  });

  it('drops user info, query strings and fragments of URLs', () => {
    expect(
      describeFailure(
        new Error('POST https://bot:s3cret@hooks.example.com/a/b?token=abc#x failed'),
      ),
    ).toBe('Error: POST https://hooks.example.com/a/b failed');
  });

  it('redacts credentials after an auth scheme', () => {
    expect(describeFailure(new Error('sent Authorization: Bearer abc.def and Basic Zm9v'))).toBe(
      'Error: sent Authorization: Bearer [redacted] and Basic [redacted]',
    );
  });

  it('describes a thrown non-error', () => {
    expect(describeFailure('plain string')).toBe('thrown: plain string');
  });

  it('truncates long messages to 500 characters', () => {
    const described = describeFailure(new Error('x'.repeat(2_000)));
    expect(described).toHaveLength(500);
    expect(described.endsWith('…')).toBe(true);
  });
});
