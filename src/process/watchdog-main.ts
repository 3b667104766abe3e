import { constants } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { defaultTableSource, readProcessTable, type TableSource } from './table.js';
import { collectInstance } from './tree.js';

/**
 * The watchdog process (spawned by watchdog.ts). Reads `+leader`, `-leader` and
 * `=leader pid startTime|-` lines from stdin; on EOF (devreload exited or was killed)
 * it stops every instance still watched: `signal` to each group and each collected
 * process, SIGKILL after `graceMs`, then exits.
 * argv: <signal> <graceMs> [proc|ps]
 */

interface Settings {
  signal: NodeJS.Signals;
  graceMs: number;
  source: TableSource;
}

/** leader → remembered escaped descendants (pid → startTime). */
type Watched = Map<number, Map<number, string | undefined>>;

const POLL_MS = 50;
// SIGKILL cannot be refused; this only bounds the wait for the kernel to tear them down.
const KILL_CONFIRM_MS = 2000;

function log(message: string): void {
  // stderr is /dev/null unless DEVRELOAD_WATCHDOG_DEBUG=1.
  process.stderr.write(`devreload watchdog ${process.pid}: ${message}\n`);
}

function parseSettings(argv: readonly string[]): Settings {
  const [signal, grace, source] = argv;
  const graceMs = Number(grace);
  if (signal === undefined || !(signal in constants.signals) || !Number.isFinite(graceMs) || graceMs < 0) {
    throw new Error(`usage: watchdog-main <signal> <graceMs> [proc|ps], got ${JSON.stringify(argv)}`);
  }
  if (source !== undefined && source !== 'proc' && source !== 'ps') {
    throw new Error(`unknown process table source ${JSON.stringify(source)}`);
  }
  return { signal: signal as NodeJS.Signals, graceMs, source: source ?? defaultTableSource() };
}

function applyLine(watched: Watched, line: string): void {
  const match = /^([+=-])(\d+)(?: (\d+) (\S+))?$/.exec(line.trim());
  if (match === null) {
    if (line.trim() !== '') log(`ignoring line ${JSON.stringify(line)}`);
    return;
  }
  const leader = Number(match[2]);
  if (match[1] === '+') watched.set(leader, watched.get(leader) ?? new Map());
  else if (match[1] === '-') watched.delete(leader);
  else if (match[3] !== undefined && match[4] !== undefined) {
    // A late `=` for an instance already unwatched must not resurrect it.
    watched.get(leader)?.set(Number(match[3]), match[4] === '-' ? undefined : match[4]);
  }
}

/** Sends `signal`; a target already gone (ESRCH) is what we want anyway. */
function send(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch (error) {
    const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
    // Nothing else to do about EPERM (pid reused by another user) but carry on with the rest.
    if (code !== 'ESRCH') log(`kill(${target}, ${signal}) failed: ${String(error)}`);
  }
}

/** Live processes of every watched instance; `known` (pid → startTime) grows with each scan. */
async function collectAll(watched: Watched, known: Map<number, string | undefined>, source: TableSource) {
  const table = await readProcessTable(source);
  const alive = new Map<number, string | undefined>();
  for (const [leader, remembered] of watched) {
    const seeds = new Map([...known, ...remembered]);
    for (const entry of collectInstance(table, leader, { known: seeds, exclude: [process.pid] })) {
      alive.set(entry.pid, entry.startTime);
      known.set(entry.pid, entry.startTime);
    }
  }
  return alive;
}

/** A failing scan must not cost the job: the group signal still reaches most of an app. */
async function scan(watched: Watched, known: Map<number, string | undefined>, source: TableSource) {
  try {
    return await collectAll(watched, known, source);
  } catch (error) {
    log(`cannot read the process table: ${String(error)}`);
    return undefined;
  }
}

function signalAll(watched: Watched, pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const leader of watched.keys()) send(-leader, signal);
  for (const pid of pids) send(pid, signal);
}

async function stopAll(watched: Watched, settings: Settings): Promise<void> {
  const known = new Map<number, string | undefined>();
  let alive = await scan(watched, known, settings.source);
  log(`stopping ${[...watched.keys()].join(', ')}: ${[...(alive?.keys() ?? [])].join(' ')}`);
  signalAll(watched, alive?.keys() ?? [], settings.signal);

  const graceEnd = Date.now() + settings.graceMs;
  while ((alive === undefined || alive.size > 0) && Date.now() < graceEnd) {
    await delay(Math.min(POLL_MS, Math.max(0, graceEnd - Date.now())));
    alive = await scan(watched, known, settings.source);
  }

  const killEnd = Date.now() + KILL_CONFIRM_MS;
  // Rescanned every round: only processes still present with the startTime seen before
  // (or newly found in the instance) are killed, never a recycled pid.
  while (alive === undefined || alive.size > 0) {
    log(`SIGKILL: ${[...(alive?.keys() ?? [])].join(' ')}`);
    signalAll(watched, alive?.keys() ?? [], 'SIGKILL');
    if (Date.now() >= killEnd) return;
    await delay(POLL_MS);
    alive = await scan(watched, known, settings.source);
  }
}

function main(): void {
  const settings = parseSettings(process.argv.slice(2));
  process.title = 'devreload-watchdog';
  // Its whole job is to outlive a Ctrl-C or a closed terminal long enough to clean up;
  // SIGTERM stays fatal so it can still be told to go. (Node already ignores SIGPIPE.)
  // Until this line runs (node's boot, ~60-100 ms) a SIGINT/SIGHUP sent to this pid still
  // kills it: node resets inherited SIG_IGN at startup, so the parent cannot pre-ignore them.
  // Its own session keeps a terminal's signals away from it meanwhile.
  for (const signal of ['SIGINT', 'SIGHUP'] as const) process.on(signal, () => log(`ignoring ${signal}`));
  process.stderr.on('error', () => {});

  const watched: Watched = new Map();
  let pending = '';
  let ended = false;
  const finish = (): void => {
    if (ended) return;
    ended = true;
    applyLine(watched, pending);
    if (watched.size === 0) process.exit(0);
    stopAll(watched, settings).then(
      () => process.exit(0),
      (error: unknown) => {
        log(`failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };

  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) applyLine(watched, line);
  });
  process.stdin.on('end', finish);
  // ECONNRESET and friends mean the same as EOF: the writer is gone.
  process.stdin.on('error', finish);
  log(`ready (${settings.signal}, grace ${settings.graceMs} ms, table ${settings.source})`);
}

main();
