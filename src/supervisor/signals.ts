/** The signals that ask devreload itself to stop (see the README's signal table). */
export const shutdownSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type ShutdownSignal = (typeof shutdownSignals)[number];

/**
 * Routes devreload's own shutdown signals to `handler`. While a listener is installed Node no
 * longer dies on these signals, so devreload can stop its app first. Returns the disposer.
 */
export function onShutdownSignals(handler: (signal: ShutdownSignal) => void): () => void {
  const listeners = shutdownSignals.map((signal) => {
    const listener = () => handler(signal);
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}
