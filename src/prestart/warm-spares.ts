import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { assetPath } from '../assets.js';
import type { Logger } from '../log/logger.js';
import { fingerprintAll, nodeDependencyInputs } from './dependency-inputs.js';
import type { NodePlan } from './plan.js';
import type { Park, Recorded, RecordRequest, SpareReport } from './protocol.cjs';
import { RecordDir } from './record-dir.js';
import { rootFiles, warmBlocker, warmSetFrom } from './warm-set.js';

export interface WarmSparesDeps {
  logger: Logger;
  /** Watched folders (workspace packages included): what is in them is the user's. */
  userRoots(): readonly string[];
  /** devreload's own preloads (--socket's), which may run after the dependencies. */
  ownPreloads(): readonly string[];
}

/** A warm spare's boot, as far as staleness goes. */
export interface WarmBoot {
  /** Fingerprints of the package managers' files, taken before the spare was spawned. */
  readonly files: ReadonlyMap<string, string>;
  readonly report: string;
}

/**
 * `--prestart` (warm): what the woken instances recorded, and what the next spare loads. Each
 * instance writes what it loaded to the run's private folder; the last one read decides the
 * next spare's roots, minus those that failed to load in a spare (dropped for the rest of the run).
 */
export class WarmSpares {
  #dir: RecordDir | null = null;
  #record: Recorded | null = null;
  readonly #dropped = new Set<string>();
  #blocked: string | undefined;
  readonly #said = new Set<string>();

  constructor(private readonly deps: WarmSparesDeps) {}

  /** Takes in what the instance tagged `tag` recorded; false while it has not written it yet. */
  collect(tag: string): boolean {
    const recorded = this.#folder().read<Recorded>(this.#folder().recordOf(tag), true);
    if (recorded === undefined) return false;
    this.#record = recorded;
    const imported = recorded.roots.filter((root) => root.kind === 'import').length;
    // The roots only: what they load in turn is counted by the start line's "kept warm".
    this.deps.logger.verbose(`--prestart: the next spare loads ${recorded.roots.length} module${recorded.roots.length === 1 ? '' : 's'} from node_modules the app used directly (${imported} of them imported), and what they load in turn`);
    if (recorded.staleEnv !== null) {
      this.#once(`--prestart: ${recorded.staleEnv} was loaded before the app changed process.env; the running instance may differ from a fresh start (type rs to restart it fresh)`, 'warn');
    }
    return true;
  }

  /** Why this app gets a runtime-only spare, said once; undefined while warm spares apply. Once blocked, blocked for the run. */
  blocker(plan: NodePlan): string | undefined {
    this.#blocked ??= warmBlocker(plan, this.deps.ownPreloads(), this.#record);
    if (this.#blocked !== undefined) this.#once(`--prestart: keeping only Node warm (a runtime spare): ${this.#blocked}`, 'info');
    return this.#blocked;
  }

  /** What a spare spawned now for `script` loads (its Park message, less what needs its tag) and the fingerprints it is checked against. */
  prepare(cwd: string, script: string): { park: Omit<Park, 'env' | 'argv' | 'execArgv' | 'report'>; boot: Omit<WarmBoot, 'report'>; modules: number } {
    const set = warmSetFrom(this.#record, this.#dropped);
    if (set.leftOut !== undefined) this.#once(`--prestart: ${set.leftOut}`, 'verbose');
    const files = fingerprintAll(nodeDependencyInputs(cwd, rootFiles(set.roots)));
    const park = {
      roots: set.roots,
      envs: set.envs,
      main: set.main,
      script: set.mainFile ?? path.resolve(cwd, script),
      esmRecorder: set.esm ? pathToFileURL(assetPath('prestart/record-hooks.mjs')).href : null,
    };
    return { park, boot: { files }, modules: set.roots.length };
  }

  reportOf(tag: string): string {
    return this.#folder().reportOf(tag);
  }

  recordRequest(tag: string): RecordRequest {
    return { file: this.#folder().recordOf(tag), userRoots: this.deps.userRoots() };
  }

  /** What a spare said once it loaded (undefined while it still loads); its failed roots are dropped. */
  report(boot: WarmBoot): SpareReport | undefined {
    const report = this.#folder().read<SpareReport>(boot.report);
    for (const { id, error } of report?.dropped ?? []) {
      if (this.#dropped.has(id)) continue;
      this.#dropped.add(id);
      this.deps.logger.verbose(`--prestart: ${id} failed to load in a spare (${error}); it loads at every start instead`);
    }
    return report;
  }

  /** The spare is done with: its report goes. */
  forget(boot: WarmBoot): void {
    this.#folder().remove(boot.report);
  }

  close(): void {
    this.#dir?.removeAll();
  }

  #folder(): RecordDir {
    this.#dir ??= RecordDir.create();
    return this.#dir;
  }

  #once(message: string, level: 'info' | 'warn' | 'verbose'): void {
    if (this.#said.has(message)) return;
    this.#said.add(message);
    this.deps.logger[level](message);
  }
}
