#!/usr/bin/env node
import inspector from 'node:inspector';
import { main } from '../dist/devreload.js';

// A debugger that puts --inspect in NODE_OPTIONS means it for the app: devreload (a Node
// process too) would otherwise take the inspector port first and every app instance would
// fail with "address already in use". Debugging devreload itself (`node --inspect bin/…`)
// puts the flag in execArgv instead, and keeps it.
const inspectFlag = /(^|\s)--inspect(-brk|-wait)?(=|\s|$)/;
if (inspector.url() !== undefined && inspectFlag.test(process.env.NODE_OPTIONS ?? '') && !process.execArgv.some((arg) => arg.startsWith('--inspect'))) {
  inspector.close();
}

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
