// Which modules a warm spare may load: third-party ones. CommonJS, for park.cts and record.cts
// (which run inside the app's Node) as much as for devreload itself.
import path = require('node:path');
import url = require('node:url');

const segment = `${path.sep}node_modules${path.sep}`;

/**
 * A module's file is third-party when it was resolved inside a node_modules folder. Its real
 * path is what Node caches, so a workspace or `file:`/`link:` package (a link in node_modules to
 * a folder outside it) is the user's. So is anything in a watched folder (`userRoots`), unless a
 * node_modules folder lies between the two: the watcher never looks there.
 */
function isThirdParty(file: string, userRoots: readonly string[]): boolean {
  if (!file.includes(segment)) return false;
  for (const root of userRoots) {
    const below = path.relative(root, file);
    if (below === '' || below.startsWith('..') || path.isAbsolute(below)) continue;
    if (!`${path.sep}${below}`.includes(segment)) return false;
  }
  return true;
}

/** The file behind a module id (an absolute path or a file: URL); undefined for node:, data: and the like. */
function fileOf(id: string): string | undefined {
  if (id.startsWith('file:')) {
    try {
      return url.fileURLToPath(id);
    } catch {
      return undefined;
    }
  }
  return path.isAbsolute(id) ? id : undefined;
}

// `export =`: a CommonJS module's exports under verbatimModuleSyntax.
const exported = { isThirdParty, fileOf };
export = exported;
