/**
 * Every number devreload was tuned with, in one place, each with the reason for its value.
 * Option defaults a user can change are here too; the measurements are in BENCHMARKS.md.
 */

/** `--delay` default: the quiet window after the last change. An editor's save (write, rename,
 * chmod) lands within a few ms; a burst's writer (a script forking one process per file, or a
 * `git checkout` the machine pauses) can leave more than 15 ms between its first two files, and
 * the first file then restarted alone (seen in the e2e tests under a loaded 2-core machine, about
 * 1 run in 5; none in 16 runs at 30 ms). From the second file on, burstThreshold widens the
 * window. Also a writer paused mid-write past the window (truncate, then the write 20 ms later)
 * gave a second restart for the same save at 15 ms (e2e under load ~7: 2 failing runs in 6), the
 * new instance having started on a half-written file. Every save pays it in full: bench, single
 * save 95.8 ms vs 79.6 at 15 ms (50 ms cost 34 ms per save). */
export const defaultDelayMs = 30;

/** `--kill-timeout` default: what most servers need to drain (nodemon and systemd-ish tools
 * use a few seconds); longer feels hung, shorter cuts real shutdown handlers short. */
export const defaultKillTimeoutMs = 5000;

/** `--poll` without a value: often enough to feel instant, rare enough to idle at ~0% CPU on
 * a few thousand files. */
export const defaultPollMs = 100;

/** From this many distinct changed files on, a restart is a burst (branch switch, a build's
 * output, a script writing files): a second file within the quiet window is already a sign that
 * more are coming, and a script's later writes may be paused for longer than a save's window. */
export const burstThreshold = 2;

/** A burst's quiet window: a busy 2-core machine pauses the writing process for longer than a
 * save's window; 150 ms kept a 500-file burst, and a 25-file `touch` loop, to one restart in
 * every bench round. */
export const burstDelayMs = 150;

/** A shutdown signal repeated this soon is the same request delivered twice, whoever started
 * devreload: no person presses Ctrl-C twice within 50 ms (~100 ms at the fastest), and only one
 * repeat is ever taken as the echo (core/steps.ts). For a parent known to forward signals, see
 * forwardedSignalWindowMs. */
export const duplicateSignalWindowMs = 50;

/** One Ctrl-C under `npm run` / `pnpm run` whose script shell execs (bash) reaches devreload
 * twice: the terminal's, then the package manager's forward, sent when npm's own event loop gets
 * to it (supervisor/forwarding-parent.ts tells this case). Measured 0.3–1.1 ms apart on an idle
 * machine (npm 11, pnpm 9), 9–50 ms at a load average of 11 on 2 cores, 17–68 ms at 15: past
 * 50 ms, devreload took npm's copy for a second press and SIGKILLed the app (2 Ctrl-Cs in 10 at
 * a load of 15; the job-control e2e test failed 1 run in 3 under load). 500 ms is 7× the worst copy seen, and stays below the 1 s after
 * which a slow stop says "Ctrl-C again to force": a press that answers it always forces. A quick
 * double press inside it still forces, by its own forwarded copy (only one echo is taken), unless
 * the kernel merged each press's two copies into one (a loaded machine does, ~half the time):
 * then a third press forces. */
export const forwardedSignalWindowMs = 500;

/** A stop still under way after this long gets one line naming what devreload waits for: most
 * apps are gone within tens of ms, and a second of silence is where people start to wonder. */
export const stopNoticeMs = 1000;

/** While devreload does not own the terminal (started with `&`, or after `bg`) it looks this
 * often whether it was brought to the foreground: bash's `fg` sends no SIGCONT to a job that was
 * not stopped. Typed lines wait in the terminal meanwhile; one small /proc read per look. */
export const foregroundCheckMs = 500;

/** How often devreload looks whether its parent (or the top of its job, npm) is gone, when it
 * does not lead its own process group: one getppid() and a kill(pid, 0) per ancestor. Measured
 * here (schedstat, devreload idle under `sh -c`): ~150 µs of CPU per look, nearly all of it the
 * idle event loop's wake-up, i.e. 0.015 % of a core; without it devreload wakes up not once.
 * After a `kill <npm pid>` the app's stop begins within a second. */
export const parentCheckMs = 1000;

/** Changed paths a restart remembers verbatim (DEVRELOAD_CHANGED); the rest are counted. Keeps
 * the environment well below the kernel's 128 KiB per-string limit. */
export const maxRecordedChanges = 1000;

/** `--on-exit restart`: first retry after 200 ms, doubled per quick exit, capped at 5 s, so a
 * crash loop costs little CPU while a one-off crash comes back at once. */
export const backoffBaseMs = 200;
export const backoffMaxMs = 5000;

/** An instance that ran this long before exiting was a real run: the crash streak resets. */
export const stableAfterMs = 5000;

/** Quick exits in a row from which the log calls it a crash loop. */
export const crashLoopStreak = 3;

/** After devreload is SIGKILLed, the watchdog gives the app this long (at most the kill
 * timeout) to run its shutdown handler before SIGKILL: a second is enough to close a port. */
export const watchdogGraceMs = 1000;

/** File mtimes come from a coarse kernel clock: one tick behind the real time, 4 ms at HZ=250
 * and 10 ms at HZ=100 (5.2 ms measured here; 5 ms of slack failed in CI). Erring large costs at
 * most one extra restart for a file written within this long of a spawn. */
export const mtimeSlackMs = 15;

/** `--prestart`: the next spare boots this long after an instance started, so its boot (about
 * 40 ms of CPU) does not slow the new instance's on a 2-core machine. */
export const spareDelayMs = 300;

/** Warm `--prestart`: how long the next spare waits for the new instance to say what it loaded
 * (it does once nothing new loaded for ~100 ms, at most 10 s after its start: record.cts); a
 * spare made before would load what the instance before it loaded. */
export const spareRecordWaitMs = 10_500;

/** Waiting for every process of a stopped instance to be gone: most are gone at the first look,
 * a straggler (a worker finishing its shutdown) within tens of ms; a look costs a few ms, so
 * start at 2 ms and double up to 50 ms. */
export const goneCheckMs = { initialMs: 2, maxMs: 50 };

/** A line of tapped app output (`--ready /regex/`, the proxy's build overlay) longer than this (a
 * progress bar without line breaks) is cut, not held in memory until a line break comes. */
export const maxOutputLineLength = 64 * 1024;

/** `--ready`: pause between failed attempts and between looks at the kernel's table; 20 ms is
 * below what a person notices and costs nothing measurable. */
export const readyIntervalMs = 20;

/** Default readiness (the new instance listening on a TCP port, Linux). A look reads the open
 * files of the instance's processes (~0.07 ms each); the TCP tables only while one of them holds
 * a socket not yet known to be something else (~2 ms of kernel time on a machine with a large
 * connection hash, whatever few sockets it holds). UNIX sockets are known from /proc/net/unix
 * (~0.05 ms) the first time they are seen: every child process an app starts with pipes gives it
 * three, and looking them up in the TCP tables instead cost ~10 ms of devreload's CPU per restart
 * (an app with 3 workers restarted 50 times: 15 ms a restart before readiness, 36 with those
 * reads, 26 without; load ~4). Look every tenth of the time the instance has
 * been starting, so the `ready in N ms` figure is late by at most ~10 % (and by at least
 * `minMs`); at most `maxMs` apart; stop after `giveUpMs`: an app that never listens (a worker, a
 * script) then costs nothing more, and idle CPU stays 0. 30 s leaves room for servers that
 * compile or connect to a database before they listen; a later listen goes unreported
 * (`--ready <port>` has no such bound). The instance's other processes (a server under
 * `npm run`, `tsx`, `sh -c`) are found by reading the processes started since its leader
 * (~0.5 ms on a busy machine): first after `scanFirstMs` (a wrapper's own boot comes before its
 * child: tsx's child exists at ~60 ms), then after `scanFraction` of the time so far, so a
 * server found late is reported at most ~50 % late: none while a plain `node server.js` starts
 * (it listens at ~60 ms), ~16 in 30 s. A socket absent from the LISTEN rows `absentLooks` times
 * (Node and Python listen right after they create a server's socket) is looked up once in the
 * UDP, netlink and whole TCP tables: a connection or a UDP socket is never looked at again. One
 * in none of them is a TCP socket not listening yet (bound: uvicorn's reloader binds and its
 * worker listens, a server may connect to its database in between): the LISTEN rows are read
 * again for it when /proc/net/sockstat's count of listed TCP sockets changed (~0.05 ms a look;
 * a listen raises it), else once the time so far has grown by `quietFraction` (a connection
 * closing in the same interval hides the listen from the count): at most ~14 reads (~20 ms) in
 * 30 s for one that never listens, on a machine where no other TCP socket opens or closes. */
export const listenLook = { minMs: 5, fraction: 0.1, maxMs: 1000, giveUpMs: 30_000, scanFirstMs: 100, scanFraction: 0.5, absentLooks: 3, quietFraction: 0.5 };

/** `--ready <url>` answered with a 5xx: the app is up but failing, so ask 10× less often. */
export const readyServerErrorBackoff = 10;

/** `--ready`: a SYN to an address that drops it would otherwise hang for minutes. */
export const readyConnectTimeoutMs = 2000;

/** `--socket`: connections made while no instance accepts wait in this queue; 4096 is Linux's
 * somaxconn default since 5.4 (the kernel caps it at net.core.somaxconn anyway). */
export const socketBacklog = 4096;

/** `--build`: this many builds in a row set off by files written during the previous build is
 * a build writing into watched paths, not a person saving while it runs (who does it once or
 * twice); then devreload says so. */
export const buildLoopStreak = 3;

/** The catch-up after the first scan stats this many files at a time: thousands at once would
 * compete with the app's own start for the disk and the thread pool. */
export const catchUpBatch = 64;

/** Paths that could not be watched natively (out of inotify watches) are polled this often:
 * a change shows within half a second at negligible CPU for the few paths it usually is. */
export const fallbackPollMs = 500;

/** chokidar drops further `change` events for a path for 50 ms after one (a leading-edge
 * throttle with no trailing event): each changed file is looked at again just after. */
export const recheckMs = 75;

/** A new folder is read once more this long after it appeared, for the entries chokidar had
 * not reported yet (its watch on the folder starts after the first ones were written). */
export const rescanDelayMs = 50;

/** A deleted watched path is checked this often for its return (when not polling anyway). */
export const returnCheckMs = 50;

/** --verbose names the rule that ignored a path once per this interval: an editor's save raises
 * several raw events for one file, and one line per save is the answer the user wants. */
export const verboseIgnoredRepeatMs = 1000;

/** After a .gitignore edit, what it un-ignored is watched within a few ms (chokidar reads it);
 * look every 10 ms, and after a second announce the new rules anyway (a folder that cannot be
 * read must not hold them back). */
export const rulesSettle = { pollMs: 10, attempts: 100 };

/** `--proxy`: a request waits this long for a ready instance before devreload answers 502. Long
 * enough for a slow build and boot (a TypeScript project's tsc, a Django app's imports), short
 * enough that a request does not seem to hang forever; browsers themselves give up after ~300 s. */
export const proxyHoldMs = 30_000;

/** `--build` with `--proxy`: the overlay shows this many of the build's last output lines, enough
 * for a compiler's error and its context without the whole log. */
export const proxyBuildLines = 40;

/** A write this soon after an instance started counts as "right after" it for the restart-loop
 * check: apps that write a generated file or a default config as they start do so while they
 * boot (tens of ms for Node, up to about a second for a Django or Rails app). */
export const loopWindowMs = 1000;

/** A path rewritten with the same bytes right after this many starts in a row is the app's own
 * write. 2 is the least that can tell: nothing says who wrote a file, so the first restart for it
 * is obeyed (it may be a person's save); the start it causes writing the same bytes again is the
 * loop. An edit, even one made right after each restart by a script, changes the bytes. */
export const loopStreak = 2;

/** A path that changes right after this many starts in a row with new bytes each time (a
 * timestamp, a pid) is reported with the fix; it still restarts, since a script editing a file
 * right after each restart (a soak test, a benchmark) looks the same. */
export const loopWarnStreak = 5;

/** The restart-loop report waits this long for the other files the same start writes (a
 * generator writes several within a few ms), so that one line names them all. */
export const loopReportDelayMs = 100;

/** A new file that still exists when devreload looks at it (and was written just now) is held
 * back until it has not changed for this long, waiting for the rename that makes it a temp file
 * (`sed -i`, write-file-atomic, gedit): then the change is the renamed-over file's, one source,
 * named by its real name. Measured: the temp's unlink and the real file's change come within
 * ~1 ms of the temp's add. Shorter than the quiet window (defaultDelayMs), so a new file written
 * while a restart is under way still joins that restart; a new file's own restart is later by
 * about this much. */
export const renameHoldMs = 20;

/** The files an instance holds open for writing are read again for a change at most this often:
 * a read costs one /proc stat per process started after the instance and one stat per fd of its
 * processes (measured: 1.1–1.4 ms a change on a shared 2-core VM at a load average of 10–16, with
 * ~40 such processes; a fraction of that on a quiet machine), and a burst of hundreds of changes
 * would otherwise pay it for each one. A file the app opened within this long before its change
 * may be missed, and restarts as it did before the check. */
export const openFilesReuseMs = 10;

/** `--proxy`: how far into a streamed HTML page `</head>` (or `<body …>`) is looked for before the
 * live-reload tag goes at the page's end instead. A head is a few KiB; a page whose first 64 KiB
 * hold neither still gets its tag, only late, and the bytes before it are never held. */
export const proxyInjectLookaheadBytes = 64 * 1024;
