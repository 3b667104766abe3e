import path from 'node:path';

/** A folder third-party modules come from, with its mtime (ns, as text) when the spare booted and now. */
export interface SiteFolder {
  readonly dir: string;
  /** Null: it did not exist. */
  readonly then: string | null;
  readonly now: string | null;
}

export interface PythonStalenessInput {
  /** Absolute paths that changed since the spare booted (this restart's changes). */
  readonly changed: readonly string[];
  /** The spare's site folders (its status file), stat'ed again now. */
  readonly sites: readonly SiteFolder[];
}

// What declares or pins the environment's packages: editing one usually precedes an install.
const manifests = /^(requirements.*\.(txt|in)|constraints.*\.txt|pyproject\.toml|poetry\.lock|uv\.lock|pdm\.lock|Pipfile(\.lock)?|setup\.cfg|setup\.py|environment\.ya?ml|pylock(\..+)?\.toml)$/;
// Read by the interpreter itself at start-up, before any module.
const startup = /^(sitecustomize|usercustomize)\.py$|\.pth$/;
// Python source: a dependency never reads the app's modules at import (a spare never loads them).
const source = /\.(py|pyw|pyi|pyc)$/;

/**
 * Why a parked Python spare must not be woken for this restart, or undefined if it may: a warm
 * spare loaded its dependencies before the changes, so anything a dependency may have read while
 * loading makes it stale: the installed packages (a site folder's mtime moves when pip installs
 * or removes one), a manifest, a file Python reads at start-up, and any changed file that is not
 * Python source (`.env`, `config/settings.json`, a YAML: read at import by many libraries).
 * Environment variables are not here: the spare boots with the app's environment, and a start
 * with any other (an --env-file edit) never wakes it (the caller compares them).
 */
export function pythonStaleness(input: PythonStalenessInput): string | undefined {
  for (const site of input.sites) {
    if (site.then !== site.now) return `${site.dir} changed (a package was installed or removed)`;
  }
  const sites = input.sites.map((site) => path.join(site.dir, ''));
  for (const changed of input.changed) {
    const name = path.basename(changed);
    if (manifests.test(name)) return `${name} changed (the dependencies may have changed)`;
    if (startup.test(name)) return `${name} changed (Python reads it at start-up)`;
    if (sites.some((dir) => changed.startsWith(dir))) return `${changed} belongs to an installed package`;
    if (!source.test(name)) return `${name} changed and is not Python source (a dependency may have read it)`;
  }
  return undefined;
}
