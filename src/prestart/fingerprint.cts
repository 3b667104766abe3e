// A file's fingerprint, taken by a warm spare before its dependencies read it (their own code, a
// config file); devreload fingerprints it again before it wakes the spare. Must match
// fingerprint() in dependency-inputs.ts.
import fs = require('node:fs');

// Taken at load: read-tracker.cts wraps fs.statSync while a spare loads, and must not see its own stats.
const statSync = fs.statSync;

/**
 * Changes with any write, rename over or removal: the inode and ctime too, since npm extracts
 * every package with the same fixed mtime (1985-10-26) whatever its version. `-` when absent.
 */
function fingerprint(file: string): string {
  let stats: fs.Stats | undefined;
  try {
    stats = statSync(file, { throwIfNoEntry: false });
  } catch {
    // Not a folder on the way (ENOTDIR) or not ours to read (EACCES): seen as absent.
    stats = undefined;
  }
  return stats === undefined ? '-' : `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

// `export =`: a CommonJS module's exports under verbatimModuleSyntax.
const exported = { fingerprint };
export = exported;
