import { cliOptions, type CliOption } from './options.js';

const groups: readonly CliOption['group'][] = ['Watching', 'Restarting', 'Zero downtime', 'Output', 'Other'];

export function helpText(version: string): string {
  const width = Math.max(...cliOptions.map((o) => o.flags.length)) + 2;
  const sections = groups.map((group) => {
    const lines = cliOptions.filter((o) => o.group === group).map((o) => `  ${o.flags.padEnd(width)}${o.description}`);
    return `${group}:\n${lines.join('\n')}`;
  });
  return `devreload ${version} — restart your app on every change, gracefully, with nothing left behind

Usage:
  devreload [options] -- <command> [args...]
  devreload [options] <command> [args...]     (the first non-option argument starts the command)

${sections.join('\n\n')}

Examples:
  devreload --watch src -- node server.js
  devreload -w src -e ts,json -- npx tsx src/server.ts
  devreload --ignore 'logs/**' --kill-timeout 2000 -- npm run start
  devreload --socket 3000 -- node server.js          (zero-downtime: no refused connections)
  devreload --socket 8000 -- gunicorn --bind fd://3 app:app
  devreload --proxy 3001:3000 --reload-only 'views/**' -- node server.js   (open :3001; the page reloads itself)

In the terminal:
  rs + Enter   restart now; any other line goes to the app's stdin
  Ctrl-C       stop the app gracefully and exit; Ctrl-C again forces it (SIGKILL)
  Ctrl-Z       suspend the app and devreload; fg or bg resumes both
  Ctrl-D       ends nothing: rs and lines for the app keep working

Exit codes:
  0        stopped by the programmatic API
  2        bad usage (unknown option, bad value, missing command, missing path)
  126/127  the command is not executable / not found at launch
  128+N    stopped by signal N: 130 for Ctrl-C (SIGINT), 143 for SIGTERM, 129 for SIGHUP
  app's    --on-exit quit: the app's own exit code
`;
}
