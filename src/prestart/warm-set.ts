import { fileURLToPath } from 'node:url';
import type { NodePlan } from './plan.js';
import type { Recorded, Root } from './protocol.cjs';

/** What the next warm spare loads, decided from what the last woken instance recorded. */
export interface WarmSet {
  readonly roots: readonly Root[];
  readonly envs: Recorded['envs'];
  readonly main: Recorded['main'] | null;
  /** A CommonJS main's file name as Node resolved it, when known. */
  readonly mainFile: string | null;
  /** The app imports ES modules: the spare registers a recorder of imports before it loads anything (where its Node needs one). */
  readonly esm: boolean;
  /** Said once, in verbose mode: roots left out and why. */
  readonly leftOut: string | undefined;
}

/**
 * The roots to load, in the recorded order, minus those that failed to load in an earlier spare.
 * ES module imports cannot be placed among the app's own changes to process.env (the hooks see
 * resolution, not evaluation), so an app that changes it gets its imports loaded fresh.
 */
export function warmSetFrom(record: Recorded | null, dropped: ReadonlySet<string>): WarmSet {
  if (record === null) return { roots: [], envs: [], main: null, mainFile: null, esm: false, leftOut: undefined };
  let roots = record.roots.filter((root) => !dropped.has(root.id));
  let leftOut: string | undefined;
  if (record.envChanged.length > 0 && roots.some((root) => root.kind === 'import')) {
    roots = roots.filter((root) => root.kind === 'require');
    leftOut = `${record.envChanged.slice(0, 3).join(', ')} changed in process.env while the app loaded (its code, or a module it imports such as dotenv/config), so its ES module imports load at every start`;
  }
  const esm = record.main === 'esm' || roots.some((root) => root.kind === 'import');
  return { roots, envs: record.envs, main: record.main, mainFile: record.mainFile, esm, leftOut };
}

/**
 * Why a warm spare would change what runs first, so only Node itself may be kept warm: the
 * app's own preloads (`-r ./tracing.js`, `--import ./otel.mjs`, NODE_OPTIONS ones) run before
 * its dependencies in a fresh start, and instrumentation must see them load. `own` are
 * devreload's own preloads (--socket's), which only patch prototypes when the app listens.
 */
export function warmBlocker(plan: NodePlan, own: readonly string[], record: Recorded | null): string | undefined {
  const preload = plan.preloads.find((each) => !own.includes(each.specifier));
  if (preload !== undefined) return `${preload.kind === 'require' ? '-r' : '--import'} ${preload.specifier} must run before the app's dependencies load`;
  if (record?.instrumented != null) return `${record.instrumented}, and instrumentation must see the app's dependencies load`;
  return undefined;
}

/** Files of the roots (for the dependency inputs): paths, and file: URLs made paths. */
export function rootFiles(roots: readonly Root[]): string[] {
  return roots.map((root) => (root.id.startsWith('file:') ? fileURLToPath(root.id) : root.id));
}
