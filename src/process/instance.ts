import { newInstanceTag, tagEntry } from './instance-tag.js';
import { readProcStat } from './proc-stat.js';
import { instanceScanner } from './scanner.js';
import { tapOutput } from './output-tap.js';
import { signalMembers } from './signal.js';
import { spawnApp } from './spawn.js';
import { defaultTableSource } from './table.js';
import type { Instance, InstanceSpec } from './instance-types.js';
import { waitUntilNoneLeft } from './wait-gone.js';

export type { ExitInfo, Instance, InstanceSpec } from './instance-types.js';

// One app instance: spawning (spawn.ts), output tapping (output-tap.ts), the process-table
// scan (scanner.ts) and the tree signaller (signal.ts), put together behind one handle.

/**
 * Spawns the app in its own session and process group. Resolves once the OS has spawned
 * it; rejects with DevreloadError when the program is not found or not executable.
 */
export async function startInstance(spec: InstanceSpec): Promise<Instance> {
  const onLine = spec.onOutputLine;
  const tag = newInstanceTag();
  const app = await spawnApp({ ...spec, pipeOutput: onLine !== undefined, tag });
  const { pid, stdin } = app;
  if (onLine !== undefined) {
    // Before the event loop turns after the spawn: execa resumes an output nobody reads one
    // setImmediate after spawning it, and what flowed by then would miss the copy.
    const to = spec.copyTo ?? { stdout: process.stdout, stderr: process.stderr };
    tapOutput(app, 'stdout', spec.stdoutToStderr === true ? to.stderr : to.stdout, (line) => onLine(line, 'stdout'));
    tapOutput(app, 'stderr', to.stderr, (line) => onLine(line, 'stderr'));
  }

  let leaderExited = false;
  // Registered before the caller can see the instance, so it runs before any of its handlers.
  void app.exited.then(() => {
    leaderExited = true;
  });
  const tableSource = spec.tableSource ?? defaultTableSource();
  // Every descendant starts at or after its leader: only their environments are worth reading.
  // A leader already gone leaves devreload's own start as the (looser) bound.
  const since = tableSource === 'proc' ? (readProcStat(pid) ?? readProcStat('self'))?.startTime : undefined;
  const scan = instanceScanner(pid, { tableSource, onEscaped: spec.onEscaped, tag: { entry: tagEntry(tag), since } });
  const gone = app.exited.then(async (info) => {
    await waitUntilNoneLeft(scan);
    return info;
  });

  return {
    pid,
    tag,
    exited: app.exited,
    gone,
    async signal(signal) {
      const members = await scan();
      return signalMembers(pid, members, signal, !leaderExited);
    },
    write(data) {
      if (stdin.destroyed || stdin.writableEnded) return;
      stdin.write(data, () => {});
    },
    closeStdin() {
      if (!stdin.destroyed && !stdin.writableEnded) stdin.end();
    },
  };
}
