#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // A bug in devreload, not bad input: one line, and the stack only on request.
    process.stderr.write(`[devreload] internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.DEVRELOAD_DEBUG) process.stderr.write(`${error?.stack ?? ''}\n`);
    process.stderr.write('[devreload] please report this at the project’s issue tracker (DEVRELOAD_DEBUG=1 shows the stack)\n');
    process.exitCode = 1;
  },
);
