/**
 * Ctrl-Z for devreload. The app runs in its own session, so its process group is orphaned: the
 * kernel discards the terminal's SIGTSTP for it (and a SIGTSTP sent to it, with the default
 * action). devreload therefore catches SIGTSTP, stops the app's processes with SIGSTOP, then
 * stops itself with SIGSTOP so that the shell sees the job stopped; `fg` or `bg` continue it
 * (SIGCONT to its group), and it continues the app.
 */

/** SIGTSTP (Ctrl-Z) sent to devreload; returns the disposer. While it is installed, SIGTSTP no longer stops devreload by itself. */
export function onSuspendRequest(handler: () => void): () => void {
  process.on('SIGTSTP', handler);
  return () => process.off('SIGTSTP', handler);
}

/**
 * Stops this process until it is continued. SIGSTOP to oneself is delivered before kill(2)
 * returns (it cannot be blocked), so this returns only once devreload runs again: nothing else
 * (a timer, a file event) runs in between.
 */
export function stopSelf(): void {
  process.kill(process.pid, 'SIGSTOP');
}
