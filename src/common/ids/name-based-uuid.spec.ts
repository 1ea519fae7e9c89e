import { nameBasedUuid, timeOrderedUuid } from './name-based-uuid';

describe('nameBasedUuid', () => {
  // Ids already stored must come out the same: these were made by the first implementation.
  it.each([
    ['message.received\n5-abc', '365d932a-4a22-518d-b212-82109799f40a'],
    ['a', '10f58130-2ad1-5393-a87a-052cf79186bb'],
    ['', 'bb6b1b7c-a1b5-50fb-bb53-adaf81bfe3bd'],
    ['ünïcödé\n€', '2357b98f-0743-52f0-b097-e1d02b656277'],
    ['x'.repeat(300), 'cd058a2f-6ccb-5d25-8e73-9b3bc1467ae8'],
  ])('%j → %s', (name, uuid) => {
    expect(nameBasedUuid(name)).toBe(uuid);
  });

  it('is a version-5 UUID of the RFC variant', () => {
    for (let i = 0; i < 200; i++) {
      expect(nameBasedUuid(`name ${i}`)).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });
});

describe('timeOrderedUuid', () => {
  it('is the same for the same time and name, and differs by either', () => {
    const at = Date.UTC(2026, 10, 29, 3, 0, 0);
    expect(timeOrderedUuid(at, 'a')).toBe(timeOrderedUuid(at, 'a'));
    expect(timeOrderedUuid(at, 'a')).not.toBe(timeOrderedUuid(at, 'b'));
    expect(timeOrderedUuid(at, 'a')).not.toBe(timeOrderedUuid(at + 1, 'a'));
  });

  it('starts with the time, so ids sort as their times do', () => {
    const at = Date.UTC(2026, 10, 29, 3, 0, 0);
    const id = timeOrderedUuid(at, 'x');
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
    const ids = [5, 1, 4, 2, 3].map((n) => timeOrderedUuid(at + n, `name ${n}`));
    expect([...ids].sort()).toEqual(
      [1, 2, 3, 4, 5].map((n) => timeOrderedUuid(at + n, `name ${n}`)),
    );
  });

  it('is a version-8 UUID of the RFC variant', () => {
    for (let i = 0; i < 200; i++) {
      expect(timeOrderedUuid(Date.now() + i, `name ${i}`)).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });
});
