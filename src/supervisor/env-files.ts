import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { errorCode } from '../errors.js';
import type { Logger } from '../log/logger.js';

/**
 * `--env-file`: read at every start, parsed as `node --env-file` parses (util.parseEnv: quotes,
 * comments, `export`), later files winning. A file that cannot be read any more is reported
 * once and its last good values are kept. Values never reach a log; names only, in --verbose.
 */
export class EnvFiles {
  readonly #last = new Map<string, Record<string, string>>();
  readonly #failing = new Set<string>();

  constructor(
    private readonly files: readonly string[],
    private readonly cwd: string,
    private readonly logger: Logger,
  ) {}

  /** The variables of every file, layered in order. */
  read(): Record<string, string> {
    const merged: Record<string, string> = {};
    for (const file of this.files) Object.assign(merged, this.#readOne(file));
    return merged;
  }

  #readOne(file: string): Record<string, string> {
    const shown = path.relative(this.cwd, file) || file;
    try {
      const values = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
      this.#last.set(file, values);
      if (this.#failing.delete(file)) this.logger.info(`${shown} is readable again`);
      const names = Object.keys(values);
      this.logger.verbose(`env from ${shown}: ${names.length === 0 ? '(none)' : names.join(', ')}`);
      return values;
    } catch (error) {
      if (!this.#failing.has(file)) {
        this.#failing.add(file);
        this.logger.warn(`cannot read ${shown} (${errorCode(error) ?? String(error)}) — keeping its last values`);
      }
      return this.#last.get(file) ?? {};
    }
  }
}
