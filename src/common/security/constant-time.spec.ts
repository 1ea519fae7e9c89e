import { constantTimeEquals, matchesAny } from './constant-time';

describe('constantTimeEquals', () => {
  it('is true for identical strings', () => {
    expect(constantTimeEquals('s3cret-token-value', 's3cret-token-value')).toBe(true);
  });

  it('is false for strings of equal length that differ in one character', () => {
    expect(constantTimeEquals('s3cret-token-value', 's3cret-token-valuf')).toBe(false);
    expect(constantTimeEquals('a3cret-token-value', 's3cret-token-value')).toBe(false);
  });

  it('is false for strings of different lengths, including a prefix of the other', () => {
    expect(constantTimeEquals('s3cret', 's3cret-token-value')).toBe(false);
    expect(constantTimeEquals('s3cret-token-value', 's3cret')).toBe(false);
    expect(constantTimeEquals('s3cret-token-value', 's3cret-token-value ')).toBe(false);
  });

  it('is case-sensitive', () => {
    expect(constantTimeEquals('Token', 'token')).toBe(false);
  });

  it('treats two empty strings as equal and empty against non-empty as unequal', () => {
    expect(constantTimeEquals('', '')).toBe(true);
    expect(constantTimeEquals('', 'x')).toBe(false);
    expect(constantTimeEquals('x', '')).toBe(false);
  });

  it('compares non-ASCII text by its UTF-8 content', () => {
    expect(constantTimeEquals('clé-ü-€', 'clé-ü-€')).toBe(true);
    expect(constantTimeEquals('clé', 'cle\u0301')).toBe(false);
  });
});

describe('matchesAny', () => {
  const secrets = ['first-token-0123456789', 'second-token-0123456789', 'third-token-0123456789'];

  it.each(secrets)('is true when the candidate equals %s', (secret) => {
    expect(matchesAny(secret, secrets)).toBe(true);
  });

  it('is true when the match is the first of several secrets (no early exit changes the result)', () => {
    expect(matchesAny('first-token-0123456789', secrets)).toBe(true);
  });

  it('is false when the candidate equals none of the secrets', () => {
    expect(matchesAny('fourth-token-0123456789', secrets)).toBe(false);
  });

  it('is false for a prefix or an extension of a secret', () => {
    expect(matchesAny('second-token', secrets)).toBe(false);
    expect(matchesAny('second-token-0123456789X', secrets)).toBe(false);
  });

  it('is false for an empty list of secrets, even for an empty candidate', () => {
    expect(matchesAny('first-token-0123456789', [])).toBe(false);
    expect(matchesAny('', [])).toBe(false);
  });

  it('is false for an empty candidate against non-empty secrets', () => {
    expect(matchesAny('', secrets)).toBe(false);
  });
});
