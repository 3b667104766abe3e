import { cliOptions, type CliOption } from './options.js';

const groups: readonly CliOption['group'][] = ['Watching', 'Restarting', 'Zero downtime', 'Output', 'Other'];

export function helpText(version: string): string {
  const listed = cliOptions.filter((o) => o.hidden !== true);
  const width = Math.max(...listed.map((o) => o.flags.length)) + 2;
  const sections = groups.map((group) => {
    const lines = listed.filter((o) => o.group === group).map((o) => `  ${o.flags.padEnd(width)}${o.description}`);
    return `${group}:\n${lines.join('\n')}`;
  });
  return `devreload ${version} — restart your app on every change, gracefully, with nothing left behind

Usage:
  devreload [options] -- <command> [args...]
  devreload [options] <command> [args...]     (the first non-option argument starts the command)
  devreload [options] server.js [args...]     (a script that is not executable runs with node; .ts with tsx, .py with python3)
  devreload [options] --exec '<command line>' (through sh -c)

${sections.join('\n\n')}

Examples:
  devreload --watch src -- node server.js
  devreload -w src -e ts,json src/server.ts          (runs tsx src/server.ts)
  devreload --ignore 'logs/**' --kill-timeout 2000 -- npm run start
  devreload --socket 3000 -- node server.js          (zero-downtime: no refused connections)
  devreload --socket 8000 -- gunicorn --bind fd://3 app:app
  devreload --proxy 3001:3000 --reload-only 'views/**' -- node server.js   (open :3001; the page reloads itself)

Stopping the app:
  a change, rs   the app's whole process group gets --signal (default SIGTERM); the next instance
                 starts once every process is gone (SIGKILL to what is left after --kill-timeout)
  Ctrl-C         the app gets SIGINT, as from a terminal, not --signal (a handler for SIGTERM alone
                 does not run); devreload exits once every process is gone; Ctrl-C again: SIGKILL
  SIGTERM, SIGHUP  (sent to devreload) the app gets SIGTERM, or --signal for SIGHUP, and devreload exits

In the terminal:
  rs + Enter   restart now; any other line goes to the app's stdin
  Ctrl-C       stop the app (SIGINT, see above) and exit; Ctrl-C again forces it (SIGKILL)
  Ctrl-Z       suspend the app and devreload; fg or bg resumes both
  Ctrl-D       ends nothing: rs and lines for the app keep working

Coming from nodemon: nodemon.json and package.json "nodemonConfig" are read when there is no
devreload configuration, and -x, -L, -P, --exitcrash, --on-change-only and --dump work; see
docs/nodemon.md for every flag and key.

Exit codes:
  0        stopped by the programmatic API
  2        bad usage (unknown option, bad value, missing command, missing path)
  126/127  the command is not executable / not found at launch
  128+N    stopped by signal N: 130 for Ctrl-C (SIGINT), 143 for SIGTERM, 129 for SIGHUP
  app's    --on-exit quit: the app's own exit code
`;
}
