import { parseTrustProxy } from './trust-proxy';

describe('parseTrustProxy', () => {
  it.each([
    ['false', 0],
    ['0', 0],
    ['true', 1],
    ['TRUE', 1],
    ['1', 1],
    [' 2 ', 2],
  ])('%s is %s hops', (text, hops) => {
    expect(parseTrustProxy(text)).toBe(hops);
  });

  it('reads a list of addresses, ranges and named ranges', () => {
    expect(
      parseTrustProxy('10.0.0.1, 10.1.0.0/16,fd00::/8 ,::1,Loopback,linklocal,uniquelocal'),
    ).toEqual([
      '10.0.0.1',
      '10.1.0.0/16',
      'fd00::/8',
      '::1',
      'loopback',
      'linklocal',
      'uniquelocal',
    ]);
  });

  it.each([
    'yes',
    'all',
    '-1',
    '1.5',
    '10.0.0.256',
    '10.0.0.0/33',
    '::1/129',
    '10.0.0.0/8/8',
    '10.0.0.0/x',
    'fe80::1%eth0',
    'example.com',
    '10.0.0.1,nonsense',
    ',',
  ])('refuses %p', (text) => {
    expect(parseTrustProxy(text)).toBeNull();
  });
});
