/**
 * Ctrl-Z for devreload. The app runs in its own session, so its process group is orphaned: the
 * kernel discards the terminal's SIGTSTP for it (and a SIGTSTP sent to it, with the default
 * action). devreload therefore catches SIGTSTP, stops the app's processes with SIGSTOP, then
 * stops itself as the shell expects (SIGTSTP with the default action); `fg` or `bg` continue it
 * (SIGCONT to its group), and it continues the app.
 */

const suspendListeners = new Set<() => void>();

/** SIGTSTP (Ctrl-Z) sent to devreload; returns the disposer. While it is installed, SIGTSTP no longer stops devreload by itself. */
export function onSuspendRequest(handler: () => void): () => void {
  suspendListeners.add(handler);
  process.on('SIGTSTP', handler);
  return () => {
    suspendListeners.delete(handler);
    process.off('SIGTSTP', handler);
  };
}

/**
 * Stops this process until it is continued, the way a shell job stops: the SIGTSTP handlers are
 * taken off (Node restores the default action once a signal has no listener) and SIGTSTP is sent
 * to oneself, which is delivered before kill(2) returns, so this returns only once devreload runs
 * again and nothing else (a timer, a file event) runs in between. In an orphaned process group
 * (no shell left to continue it: `nohup … &`, a supervisor without job control) the kernel
 * discards that SIGTSTP, as it would for any program, and this returns at once: devreload goes on
 * and continues the app, instead of both staying stopped for good (which SIGSTOP would do).
 */
export function stopSelf(): void {
  const listeners = [...suspendListeners];
  for (const listener of listeners) process.off('SIGTSTP', listener);
  try {
    process.kill(process.pid, 'SIGTSTP');
  } finally {
    for (const listener of listeners) process.on('SIGTSTP', listener);
  }
}
