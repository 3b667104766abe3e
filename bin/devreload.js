#!/bin/sh
":" //; unset DEVRELOAD_EXTRA_CA_CERTS; if [ -n "${NODE_EXTRA_CA_CERTS+set}" ]; then DEVRELOAD_EXTRA_CA_CERTS="$$:$NODE_EXTRA_CA_CERTS"; export DEVRELOAD_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS; fi; exec node "$0" "$@"
// The line above is sh, and a string and a comment to Node. Run as a program (`devreload`,
// `npx devreload`, npm scripts, pnpm's shims) this file is a shell script that hands itself to
// the `node` on PATH (as `#!/usr/bin/env node` would), without NODE_EXTRA_CA_CERTS: Node 20
// loads and parses the whole CA store that variable names before it runs any JavaScript
// (~30 ms with a distribution's bundle: half of what devreload added to the app's start), and
// devreload makes no TLS connection that would need it (its https readiness probe checks no
// certificate). Node 22 and 24 do not load it at start-up (`node -e 0` takes as long with it
// as without). The value is put back below, before devreload reads the environment (a
// NODE_OPTIONS preload runs earlier, and sees it unset), so the app, its build steps and its
// pre-started runtime get it as it was: unset, empty or set.
// Through sh, like any npm script, a variable whose name is not a shell name (`my.setting`) is
// dropped by dash and busybox. `node bin/devreload.js` (what Yarn 2+ runs for every bin) skips
// the launcher: it keeps such variables and pays for the CA store.
//
// CommonJS (bin/package.json): Node 20 would run an ES module entry through its ESM loader,
// which costs the start-up of every app ~5 ms of CPU (see scripts/build.mjs).
'use strict';
// The launcher's value starts with its pid: this process's own (exec keeps it), or its parent's
// where the `node` on PATH is a shim that starts Node as its child (Volta). A
// DEVRELOAD_EXTRA_CA_CERTS put in the environment by anything else is never used.
const stashedCerts = process.env.DEVRELOAD_EXTRA_CA_CERTS;
if (stashedCerts !== undefined) {
  delete process.env.DEVRELOAD_EXTRA_CA_CERTS;
  const colon = stashedCerts.indexOf(':');
  const launcher = colon > 0 ? stashedCerts.slice(0, colon) : '';
  if (launcher === String(process.pid) || launcher === String(process.ppid)) process.env.NODE_EXTRA_CA_CERTS = stashedCerts.slice(colon + 1);
}
// The bundle, with V8's code cache from the previous run (load-cli.js).
const { loadCli } = require('./load-cli.js');
const loaded = loadCli();
const { main } = loaded.cli;

// A debugger that puts --inspect in NODE_OPTIONS means it for the app: devreload (a Node
// process too) would otherwise take the inspector port first and every app instance would
// fail with "address already in use". Debugging devreload itself (`node --inspect bin/…`)
// puts the flag in execArgv instead, and keeps it. node:inspector is loaded only then (~1.5 ms).
const inspectFlag = /(^|\s)--inspect(-brk|-wait)?(=|\s|$)/;
if (inspectFlag.test(process.env.NODE_OPTIONS ?? '') && !process.execArgv.some((arg) => arg.startsWith('--inspect'))) {
  const inspector = require('node:inspector');
  if (inspector.url() !== undefined) inspector.close();
}

const exited = main(process.argv.slice(2));
loaded.save(exited);

// After the initial scan, devreload's heap is mostly V8 slack, not data (5k files: ~20 MiB live
// in a ~76 MiB heap): the scan's burst of short-lived allocations grows the young generation to
// 2×16 MiB and the old space up to 4× between collections, and an idle process does not collect
// again until V8's memory reducer runs 10–25 s later. Keep the young generation small and grow
// the old space by 1.5×: measured over 5k / 10k source files, 141 → 93 / 168 → 125 MiB RSS, for
// ~60 / ~160 ms more scan time. Set here, at run time, so only devreload's own process gets them
// (never the app), and they are known to V8 on Node 20, 22 and 24. Set once main() returned:
// the app was spawned synchronously inside it (after an await only with --socket), and the
// watcher, loaded a microtask later, has not scanned anything yet; node:v8 takes ~1.3 ms to
// load, which the app's start no longer waits for.
const v8 = require('node:v8');
v8.setFlagsFromString('--semi-space-growth-factor=1');
v8.setFlagsFromString('--heap-growing-percent=50');

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
