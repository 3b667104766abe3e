// What a warm spare's dependencies print while they load (a banner, a deprecation warning) is
// held until the spare wakes: a fresh start prints it when it starts, not while the previous
// instance still runs, and a spare that is never woken prints nothing.

type Write = (this: unknown, ...args: unknown[]) => boolean;

/** Holds process.stdout's and process.stderr's writes; the function returned prints them and lets writes through again. */
function holdOutput(): () => void {
  const held: Array<[NodeJS.WriteStream, unknown[]]> = [];
  let holding = true;
  const restores = [process.stdout, process.stderr].map((stream) => {
    const own = Object.prototype.hasOwnProperty.call(stream, 'write');
    const original = stream.write as unknown as Write;
    // A module that kept a reference to write() keeps one that only forwards afterwards.
    (stream as unknown as { write: Write }).write = function write(this: unknown, ...args: unknown[]): boolean {
      if (!holding) return original.apply(this, args);
      held.push([stream, args]);
      const done = args.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      if (done !== undefined) process.nextTick(done);
      return true;
    };
    return () => {
      if (own) (stream as unknown as { write: Write }).write = original;
      else delete (stream as unknown as { write?: Write }).write;
    };
  });
  return () => {
    holding = false;
    for (const restore of restores) restore();
    for (const [stream, args] of held) (stream.write as unknown as Write).apply(stream, args);
  };
}

// `export =`: a CommonJS module's exports under verbatimModuleSyntax.
const exported = { holdOutput };
export = exported;
