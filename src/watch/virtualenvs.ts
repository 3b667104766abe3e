import { lstatSync } from 'node:fs';
import path from 'node:path';

/** The file every virtualenv has at its top (PEP 405): `python -m venv`, virtualenv ≥ 20, uv, Poetry. */
const MARKER = 'pyvenv.cfg';
export const VIRTUALENV_RULE = 'tool cache: Python virtualenv (has pyvenv.cfg)';

/**
 * Python virtualenvs, recognised by their pyvenv.cfg wherever they are and whatever they are
 * named (.venv, venv, env, .direnv/python-3.12 …): thousands of installed files that a
 * `pip install` rewrites, never the app's source.
 *
 * A folder is looked at once (one lstat, when chokidar first asks about it as a folder), so
 * the scan prunes a virtualenv before reading it. A virtualenv created later writes its
 * pyvenv.cfg after its first folders: seeing the marker file marks its folder from then on,
 * so what `pip install` writes into it next is dropped.
 */
export class Virtualenvs {
  /** Folder → is a virtualenv. Negative answers are kept too: each folder costs one lstat. */
  readonly #checked = new Map<string, boolean>();
  /** The positive ones, for the ancestor check (usually none or one). */
  readonly #known: string[] = [];

  /**
   * The rule when `target` is a virtualenv, is inside one, or is a virtualenv's marker file.
   * `root` (a watched path) and anything above it are never considered: `--watch .venv/lib/x` works.
   */
  match(root: string, target: string, isDirectory: boolean): string | undefined {
    for (const known of this.#known) {
      if (known !== root && isStrictlyInside(known, root) && (target === known || isStrictlyInside(target, known))) return VIRTUALENV_RULE;
    }
    if (path.basename(target) === MARKER) {
      const folder = path.dirname(target);
      if (folder === root || !isStrictlyInside(folder, root)) return undefined;
      this.#mark(folder);
      return VIRTUALENV_RULE;
    }
    if (!isDirectory) return undefined;
    let isVenv = this.#checked.get(target);
    if (isVenv === undefined) {
      isVenv = hasMarker(target);
      this.#checked.set(target, isVenv);
      if (isVenv) this.#known.push(target);
    }
    return isVenv ? VIRTUALENV_RULE : undefined;
  }

  #mark(folder: string): void {
    if (this.#checked.get(folder) === true) return;
    this.#checked.set(folder, true);
    this.#known.push(folder);
  }
}

function isStrictlyInside(target: string, folder: string): boolean {
  return target.length > folder.length && target.startsWith(folder) && (folder.endsWith(path.sep) || target[folder.length] === path.sep);
}

function hasMarker(folder: string): boolean {
  try {
    return lstatSync(path.join(folder, MARKER), { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    // An unreadable folder (EACCES) is no virtualenv to us: chokidar reports it as unreadable.
    // This runs inside chokidar's `ignored` callback, which must never throw.
    return false;
  }
}
