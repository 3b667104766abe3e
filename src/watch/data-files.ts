/**
 * Files an app writes while it runs, never its source: a restart for them kills the request
 * that wrote them (a Django session save was restarted by its own `db.sqlite3-journal`).
 * Known by name here; by content (a SQLite header) and by who holds them open at change time
 * in the supervisor's change filter (src/supervisor/change-filter.ts).
 */

interface DataFileRule {
  readonly test: (name: string) => boolean;
  readonly rule: string;
}

const DATA_FILE_RULES: readonly DataFileRule[] = [
  // SQLite writes these beside the database on every write transaction: the rollback journal
  // is created and removed again by each one, the WAL and its index live as long as a
  // connection. Their names are the database's plus the suffix, whatever the database is called.
  {
    test: (name) => name.endsWith('-journal') || name.endsWith('-wal') || name.endsWith('-shm'),
    rule: 'data file: SQLite journal (*-journal, *-wal, *-shm)',
  },
  // Logs are appended to on every request, by the app or by whatever runs it.
  { test: (name) => name.endsWith('.log'), rule: 'data file: log (*.log)' },
];

/**
 * The rule that makes `name` (a file's base name) a data file, unless the user's extension list
 * names it (`--ext log` asks for log files: that setting must not be silently overruled).
 * `extensions` are lowercase with their dot, as ignore-rules.ts normalises them.
 */
export function matchDataFile(name: string, extensions: readonly string[] | undefined): string | undefined {
  const rule = DATA_FILE_RULES.find((candidate) => candidate.test(name))?.rule;
  if (rule === undefined) return undefined;
  const lower = name.toLowerCase();
  return extensions?.some((extension) => lower.endsWith(extension)) === true ? undefined : rule;
}

/** Every SQLite 3 database file starts with these 16 bytes (sqlite.org/fileformat.html, 1.3). */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export const SQLITE_HEADER_LENGTH = SQLITE_HEADER.length;

export const SQLITE_RULE = 'data file: SQLite database';

/** The first bytes of a file are a SQLite database's: whoever wrote it (the app, `manage.py migrate`), it is data. */
export function isSqliteHeader(head: Uint8Array): boolean {
  return head.length >= SQLITE_HEADER.length && SQLITE_HEADER.equals(head.subarray(0, SQLITE_HEADER.length));
}
