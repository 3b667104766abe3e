import type { Stream } from 'node:stream';

/**
 * A peer that resets is ordinary for a proxy (a tab closed mid-request, an app killed
 * mid-answer): the stream is destroyed and its 'close' does the rest. But an 'error' emitted
 * with no listener is an uncaught exception that ends devreload, and Node removes its own
 * listener from a socket before handing it to 'upgrade': every stream the proxy keeps beyond
 * Node's own handling gets this listener as soon as it has the stream, before any await or hold.
 */
export function expectResets(stream: Stream): void {
  stream.on('error', ignore);
}

function ignore(): void {
  // Destroyed already (autoDestroy); its 'close' listeners clean up.
}
