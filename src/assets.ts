import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Files devreload hands to other processes: they must exist as files, next to the code. */
export type Asset = 'socket/preload.cjs' | 'process/watchdog.sh' | 'prestart/park.cjs' | 'prestart/record-hooks.mjs' | 'prestart/python-park.py' | 'prestart/python-boot/sitecustomize.py';

/**
 * The path of a built asset. This module sits at the root of dist/ both in the compiled
 * tree (dist/assets.js) and as part of the CLI bundle (dist/devreload.cjs), so one relative
 * URL serves both. Run from src/ (the unit tests), the assets come from the build.
 */
export function assetPath(asset: Asset): string {
  const here = fileURLToPath(new URL(`./${asset}`, import.meta.url));
  if (existsSync(here)) return here;
  const built = fileURLToPath(new URL(`../dist/${asset}`, import.meta.url));
  if (existsSync(built)) return built;
  // Without it a process would refuse to start (node cannot load its --require): say why.
  throw new Error(`devreload: ${here} not found; build devreload first (npm run build)`);
}

/** The package's own package.json (for --version): one level above dist/, and above src/. */
export const packageJsonUrl = new URL('../package.json', import.meta.url);
