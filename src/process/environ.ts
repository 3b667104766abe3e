import { readFileSync } from 'node:fs';

// Reading and matching process environments, for the instance tag (instance-tag.ts).

/**
 * True when the NUL-separated environment block `environ` (as in /proc/<pid>/environ) holds
 * `entry` as one whole entry: never a prefix, a suffix or a part of a longer one.
 */
export function environHasEntry(environ: Buffer, entry: string): boolean {
  const wanted = Buffer.from(entry, 'utf8');
  for (let at = environ.indexOf(wanted); at >= 0; at = environ.indexOf(wanted, at + 1)) {
    const end = at + wanted.length;
    // The kernel ends every entry with NUL; a block cut short by a racing exit may not.
    if ((at === 0 || environ[at - 1] === 0) && (end === environ.length || environ[end] === 0)) return true;
  }
  return false;
}

/**
 * `/proc/<pid>/environ` holds `entry`. False when it cannot be read for any reason: another
 * user's process (EACCES), one that exited (ENOENT, ESRCH) or a kernel thread (empty). What
 * cannot be read cannot be ours, and a stop scan must never fail on it.
 */
export function procEnvironHas(pid: number, entry: string): boolean {
  let environ: Buffer;
  try {
    environ = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return false;
  }
  return environHasEntry(environ, entry);
}

/**
 * The words after ps's fixed columns (`args` with the environment appended: procps `ps e`,
 * macOS `ps -E`, the BSDs' `ps -e`) hold `entry` as one whole word. ps joins the command line
 * and the environment with spaces, so a word is the most exact thing it can tell.
 */
export function psWordsHaveEntry(words: readonly string[], entry: string): boolean {
  return words.includes(entry);
}
