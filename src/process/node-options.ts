/**
 * NODE_OPTIONS as Node reads it: split on spaces outside double quotes, a backslash inside them
 * escaping the next character. Shared by the socket preload (which appends to it) and
 * --prestart (which takes the preloads out of it for the parked runtime).
 */
export function splitNodeOptions(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (let index = 0; index < value.length; index += 1) {
    const char = value[index] as string;
    if (quoted && char === '\\' && index + 1 < value.length) {
      current += value[++index];
    } else if (char === '"') {
      quoted = !quoted;
      started = true;
    } else if (char === ' ' && !quoted) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (started) out.push(current);
  return out;
}

/** One argument as NODE_OPTIONS needs it: quoted when it holds a space, a quote or a backslash (or `always`). */
export function quoteNodeOption(arg: string, always = false): string {
  return always || /[\s"\\]/.test(arg) ? `"${arg.replace(/[\\"]/g, (c) => `\\${c}`)}"` : arg;
}
