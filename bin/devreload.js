#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json), like the CLI bundle it loads: Node 20 would run an ES module
// entry through its ESM loader, which is not in its start-up snapshot (see scripts/build.mjs).

// Node's own compile cache (Node 22.1+) for the CLI bundles, from the second start on. It
// applies to this process only: the app inherits nothing from it.
require('node:module').enableCompileCache?.();

// A debugger that puts --inspect in NODE_OPTIONS means it for the app: devreload (a Node
// process too) would otherwise take the inspector port first and every app instance would
// fail with "address already in use". Debugging devreload itself (`node --inspect bin/…`)
// puts the flag in execArgv instead, and keeps it.
const inspectFlag = /(^|\s)--inspect(-brk|-wait)?(=|\s|$)/;
if (inspectFlag.test(process.env.NODE_OPTIONS ?? '') && !process.execArgv.some((arg) => arg.startsWith('--inspect'))) {
  const inspector = require('node:inspector');
  if (inspector.url() !== undefined) inspector.close();
}

const { main } = loadCli();
const exited = main(process.argv.slice(2));

// After the initial scan, devreload's heap is mostly V8 slack, not data (5k files: ~20 MiB live
// in a ~76 MiB heap): the scan's burst of short-lived allocations grows the young generation to
// 2×16 MiB and the old space up to 4× between collections, and an idle process does not collect
// again until V8's memory reducer runs 10–25 s later. Keep the young generation small and grow
// the old space by 1.5×: measured over 5k / 10k source files, 141 → 93 / 168 → 125 MiB RSS, for
// ~60 / ~160 ms more scan time. Set here, at run time, so only devreload's own process gets them
// (never the app), and they are known to V8 on Node 20, 22 and 24. Set once main() returned: the
// app was spawned synchronously inside it (after an await only with --socket), and the watcher,
// loaded a microtask later, has not scanned anything yet.
const v8 = require('node:v8');
v8.setFlagsFromString('--semi-space-growth-factor=1');
v8.setFlagsFromString('--heap-growing-percent=50');

/** The CLI bundle; a checkout that was never built (`npm install` builds nothing) gets one line. */
function loadCli() {
  const bundle = require('node:path').join(__dirname, '../dist/devreload.cjs');
  try {
    return require(bundle);
  } catch (error) {
    if (error?.code !== 'MODULE_NOT_FOUND' || !String(error.message).includes(bundle)) throw error;
    process.stderr.write(`[devreload] error: devreload is not built (${bundle} is missing): run \`npm run build\` in ${require('node:path').dirname(__dirname)}\n`);
    process.exit(1);
  }
}

exited.then(
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
