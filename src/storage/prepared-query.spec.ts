import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { PreparedByCount, PreparedQuery } from './prepared-query';

interface Items {
  items: { name: string; size: number; kind: string };
}

describe('prepared queries', () => {
  let db: Kysely<Items>;
  let compiled: string[];

  beforeEach(async () => {
    db = new Kysely<Items>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }),
    });
    await db.schema
      .createTable('items')
      .addColumn('name', 'text', (col) => col.primaryKey())
      .addColumn('size', 'integer')
      .addColumn('kind', 'text')
      .execute();
    compiled = [];
    const execute = db.executeQuery.bind(db);
    jest.spyOn(db, 'executeQuery').mockImplementation((query) => {
      compiled.push((query as { sql: string }).sql);
      return execute(query as never);
    });
  });

  afterEach(() => db.destroy());

  const all = () => db.selectFrom('items').selectAll().orderBy('name').execute();

  it('binds each run’s values where the builder put them, and keeps the builder’s own', async () => {
    let builds = 0;
    const upsert = new PreparedQuery<{ name: string; size: number }>((p) => {
      builds += 1;
      return db
        .insertInto('items')
        .values({ name: p.name, size: p.size, kind: 'fixed' })
        .onConflict((oc) =>
          oc.column('name').doUpdateSet((eb) => ({ size: eb('items.size', '+', 1) })),
        );
    });
    await upsert.run(db, { name: 'a', size: 10 });
    await upsert.run(db, { size: 20, name: 'b' });
    await upsert.run(db, { name: 'a', size: 99 });
    expect(builds).toBe(1);
    expect(new Set(compiled).size).toBe(1);
    expect(await all()).toEqual([
      { name: 'a', size: 11, kind: 'fixed' },
      { name: 'b', size: 20, kind: 'fixed' },
    ]);
  });

  it('builds one statement per row count and binds the rows in order', async () => {
    const insert = new PreparedByCount<{ name: string; size: number }>(
      (rows) =>
        db
          .insertInto('items')
          .values(rows.map((row) => ({ name: row.name, size: row.size, kind: 'many' }))),
      3,
    );
    await insert.run(db, [{ name: 'x', size: 1 }]);
    await insert.run(db, [
      { name: 'y', size: 2 },
      { name: 'z', size: 3 },
    ]);
    await insert.run(db, [{ name: 'w', size: 4 }]);
    expect(new Set(compiled).size).toBe(2);
    expect((await all()).map((row) => [row.name, row.size])).toEqual([
      ['w', 4],
      ['x', 1],
      ['y', 2],
      ['z', 3],
    ]);
    expect(() => insert.run(db, [])).toThrow(RangeError);
  });
});
