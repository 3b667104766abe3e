import { splitNodeOptions } from '../process/node-options.js';

/**
 * Ports a Node inspector of the app may listen on. The default readiness check takes the
 * app's first listening port for "ready", and an inspector listens before any user code runs:
 * its port must not count.
 */
export interface InspectorPorts {
  /** Named by `--inspect[-brk|-wait][=[host:]port]` / `--inspect-port`, plus Node's default 9229. */
  readonly ports: readonly number[];
  /**
   * An inspector takes a port nobody can name: `--inspect=0`, or a debugger's bootloader
   * (VS Code's js-debug and the like call `inspector.open(0)`). The kernel then picks one from
   * its ephemeral range, where a dev server's own port almost never is.
   */
  readonly ephemeral: boolean;
}

export const defaultInspectorPort = 9229;

const inspectFlag = /^--(?:inspect(?:-brk|-wait)?|inspect-port|debug-port)(?:=(.*))?$/;

/** Environment variables by which debuggers' bootloaders are told to open an inspector. */
const bootloaderVariables = ['VSCODE_INSPECTOR_OPTIONS', 'NODE_INSPECTOR_IPC'];

/**
 * The inspector ports of an app started as `command args` with `env`. Every argument is looked
 * at, not only Node's own: `tsx --inspect` and `npm exec -- node --inspect` pass it on, and a
 * script's own `--inspect` argument is rare enough to cost nothing.
 */
export function inspectorPorts(command: string, args: readonly string[], env: NodeJS.ProcessEnv): InspectorPorts {
  const words = [command, ...args, ...splitNodeOptions(env.NODE_OPTIONS ?? '')];
  const ports = new Set<number>([defaultInspectorPort]);
  let ephemeral = bootloaderVariables.some((name) => (env[name] ?? '') !== '');
  for (const [index, word] of words.entries()) {
    const match = inspectFlag.exec(word);
    if (match === null) continue;
    // `--inspect-port` takes its value as the next word too; `--inspect`'s is optional, so `=` only.
    const value = match[1] ?? (/^--(?:inspect|debug)-port$/.test(word) ? words[index + 1] : undefined);
    // `--inspect` alone, or `--inspect=host` without a port, is Node's default.
    if (value === undefined || value === '') continue;
    const port = portOf(value);
    if (port === 0) ephemeral = true;
    else if (port !== undefined) ports.add(port);
  }
  return { ports: [...ports], ephemeral };
}

/** `9230`, `127.0.0.1:9230`, `[::1]:9230` → 9230; a host alone → undefined (the default port). */
function portOf(value: string): number | undefined {
  const tail = /(?:^|:)(\d+)$/.exec(value)?.[1];
  if (tail === undefined) return undefined;
  const port = Number(tail);
  return port <= 65535 ? port : undefined;
}
