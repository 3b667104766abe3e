import path from 'node:path';
import { quoteNodeOption, splitNodeOptions } from '../process/node-options.js';

import type { Preload } from './protocol.cjs';

export type { Preload } from './protocol.cjs';

/** How to boot a spare for this command, and what to run in it when it wakes. */
export interface NodePlan {
  /** Node's flags from the command line, minus the preloads (the spare boots with these). */
  readonly bootFlags: readonly string[];
  /** Flags the runtime itself needs at boot (tsx's loader), before `bootFlags`. */
  readonly runtimeFlags: readonly string[];
  /** Preloads from NODE_OPTIONS, then from the command line, in Node's order. */
  readonly preloads: readonly Preload[];
  /** What `process.execArgv` is in a fresh start of the same command. */
  readonly execArgv: readonly string[];
  readonly script: string;
  readonly args: readonly string[];
}

export type Plan = { readonly ok: true; readonly plan: NodePlan } | { readonly ok: false; readonly reason: string };

// Node flags whose value is the next argument (`--flag value`); `--flag=value` needs no list.
const takesValue = new Set([
  '-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions',
  '--env-file', '--env-file-if-exists', '--input-type', '--title', '--redirect-warnings',
  '--stack-size', '--max-old-space-size', '--max-semi-space-size', '--openssl-config',
  '--tls-cipher-list', '--unhandled-rejections', '--dns-result-order', '--disable-warning',
  '--experimental-default-type', '--heapsnapshot-signal', '--diagnostic-dir', '--report-dir',
  '--report-directory', '--report-filename', '--report-signal', '--trace-event-categories',
  '--trace-event-file-pattern', '--icu-data-dir', '--secure-heap', '--secure-heap-min', '--use-largepages',
  '--cpu-prof-dir', '--cpu-prof-name', '--cpu-prof-interval', '--heap-prof-dir', '--heap-prof-name', '--heap-prof-interval',
  '--heapsnapshot-near-heap-limit', '--allow-fs-read', '--allow-fs-write', '--max-http-header-size', '--v8-pool-size',
  '--experimental-policy', '--experimental-config-file', '--experimental-sea-config', '--localstorage-file', '--watch-path',
]);

// Node flags known to take no value. A flag in neither list could swallow the next argument
// (`--some-new-flag dir server.js`), so the script would be misread: such a command line is
// left to an ordinary start rather than guessed at.
const takesNoValue =
  /^--(no-)?(experimental-[a-z0-9-]+|trace-[a-z0-9-]+|enable-source-maps|expose-gc|preserve-symlinks(-main)?|(throw-|pending-)?deprecation|warnings|abort-on-uncaught-exception|frozen-intrinsics|jitless|cpu-prof|heap-prof|report-on-fatalerror|report-uncaught-exception|report-on-signal|report-compact|addons|global-search-paths|network-family-autoselection|force-context-aware|insecure-http-parser|zero-fill-buffers|verify-base-objects|extra-info-on-fatal-exception|force-fips|enable-fips|use-openssl-ca|use-bundled-ca|openssl-legacy-provider|openssl-shared-config|permission|allow-addons|allow-child-process|allow-wasi|allow-worker|force-node-api-uncaught-exceptions-policy|harmony(-[a-z-]+)?|strip-types)$/;

// Flags after which there is no script file for a spare to run, or whose effect is fixed at
// boot from files or ports that must belong to the woken app, not to the parked runtime.
const unsupported: ReadonlyArray<[RegExp, string]> = [
  [/^--inspect|^--debug/, 'the inspector must open in the app, not in a parked runtime'],
  [/^(-e|--eval|-p|--print|-i|--interactive|-c|--check|--test|--run|-)$/, 'there is no script file to run'],
  [/^(--watch|--watch-path|--watch-preserve-output)$/, 'node --watch restarts on its own'],
  [/^(--loader|--experimental-loader)$/, 'a --loader registers at boot, before any wake'],
  [/^(--env-file|--env-file-if-exists)$/, 'node reads --env-file at boot; use devreload --env-file'],
];

/**
 * Decides whether `--prestart` can apply to `command args` with `env`, and how. Pure: the tsx
 * runtime's files are looked up by the caller (`tsxDir`) so this can be tested without them.
 */
export function planPrestart(command: string, args: readonly string[], env: NodeJS.ProcessEnv, tsxDir?: string): Plan {
  const name = path.basename(command);
  const isTsx = name === 'tsx';
  if (!isTsx && name !== 'node' && name !== 'nodejs') return fail(`${command} is not a Node command (node or tsx)`);
  if (isTsx && tsxDir === undefined) return fail('the tsx runtime (its dist/loader.mjs) was not found');

  const fromEnv = splitNodeOptions(env.NODE_OPTIONS ?? '');
  const envFlags = readFlags(fromEnv, false);
  if (!envFlags.ok) return envFlags;
  const bareInEnv = envFlags.preloads.find((p) => p.kind === 'import' && isBare(p.specifier));
  if (bareInEnv !== undefined) return fail(`NODE_OPTIONS imports ${bareInEnv.specifier} by package name, which only node's own loader can resolve at boot`);
  const line = readFlags(args, true);
  if (!line.ok) return line;
  if (line.script === undefined) return fail('there is no script file to run');
  if (isTsx && line.script === 'watch') return fail('tsx watch restarts on its own');
  const bare = line.preloads.find((p) => p.kind === 'import' && isBare(p.specifier));
  if (bare !== undefined) return fail(`--import ${bare.specifier} names a package, which only node's own loader can resolve at boot`);
  const runtimeFlags =
    isTsx && tsxDir !== undefined
      ? ['--require', path.join(tsxDir, 'preflight.cjs'), '--import', new URL(`file://${path.join(tsxDir, 'loader.mjs')}`).href]
      : [];
  return {
    ok: true,
    plan: {
      bootFlags: line.kept,
      runtimeFlags,
      preloads: [...envFlags.preloads, ...line.preloads],
      execArgv: [...runtimeFlags, ...line.flags],
      script: line.script,
      args: line.rest,
    },
  };
}

/** NODE_OPTIONS without its preloads: what the parked runtime may boot with. */
export function bootNodeOptions(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const flags = readFlags(splitNodeOptions(value), false);
  return flags.ok ? flags.kept.map((flag) => quoteNodeOption(flag)).join(' ') : value;
}

interface Flags {
  readonly ok: true;
  /** Every flag as given. */
  readonly flags: string[];
  /** The flags minus the preloads. */
  readonly kept: string[];
  readonly preloads: Preload[];
  readonly script: string | undefined;
  readonly rest: string[];
}

function readFlags(argv: readonly string[], hasScript: boolean): Flags | { ok: false; reason: string } {
  const flags: string[] = [];
  const kept: string[] = [];
  const preloads: Preload[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (hasScript && (!arg.startsWith('-') || arg === '--')) {
      const scriptAt = arg === '--' ? index + 1 : index;
      return { ok: true, flags, kept, preloads, script: argv[scriptAt], rest: argv.slice(scriptAt + 1) };
    }
    const [flag, inline] = splitFlag(arg);
    const problem = unsupported.find(([pattern]) => pattern.test(flag));
    if (problem !== undefined) return fail(`${flag}: ${problem[1]}`);
    if (inline === undefined && !takesValue.has(flag) && !takesNoValue.test(flag)) {
      return fail(`${flag}: devreload does not know this node option, so not where the script is`);
    }
    const value = inline ?? (takesValue.has(flag) ? argv[++index] : undefined);
    const given = inline !== undefined || value === undefined ? [arg] : [arg, value];
    flags.push(...given);
    if ((flag === '-r' || flag === '--require') && value !== undefined) preloads.push({ kind: 'require', specifier: value });
    else if (flag === '--import' && value !== undefined) preloads.push({ kind: 'import', specifier: value });
    else kept.push(...given);
  }
  return { ok: true, flags, kept, preloads, script: undefined, rest: [] };
}

function splitFlag(arg: string): [string, string | undefined] {
  const equals = arg.indexOf('=');
  return arg.startsWith('--') && equals > 0 ? [arg.slice(0, equals), arg.slice(equals + 1)] : [arg, undefined];
}

/** A package name, as opposed to a path or a URL. */
function isBare(specifier: string): boolean {
  return !/^(\.{0,2}\/|file:|data:|node:)/.test(specifier);
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
