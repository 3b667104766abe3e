import path from 'node:path';

// What declares or pins the environment's packages: editing one usually precedes an install.
const manifests = /^(requirements.*\.(txt|in)|constraints.*\.txt|pyproject\.toml|poetry\.lock|uv\.lock|pdm\.lock|Pipfile(\.lock)?|setup\.cfg|setup\.py|environment\.ya?ml|pylock(\..+)?\.toml)$/;
// Read by the interpreter itself at start-up, before any module.
const startup = /^(sitecustomize|usercustomize)\.py$|\.pth$/;
const source = /\.(py|pyw|pyi|pyc)$/;

/**
 * Whether a changed file is the app's own Python source, which only the app's code loads (at the
 * wake, fresh), so that a parked spare is still what a cold start would be (staleness.ts decides
 * with it). Not source: a manifest (a setup.py too: editing one usually precedes an install), what
 * Python reads at start-up (sitecustomize, usercustomize, .pth files) and anything inside one of
 * the site folders `sites` (an installed package).
 */
export function isPythonSource(file: string, sites: readonly string[]): boolean {
  const name = path.basename(file);
  if (!source.test(name) || manifests.test(name) || startup.test(name)) return false;
  return !sites.some((dir) => file.startsWith(path.join(dir, '')));
}
