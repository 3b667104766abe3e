/** Which spare a start woke, as the log says it: one function, so every runtime words it alike. */
export interface SpareInUse {
  readonly runtime: 'Node' | 'Python';
  /** Modules it loaded before the wake; null for a runtime-only spare. */
  readonly warm: number | null;
}

export function spareLine({ runtime, warm }: SpareInUse): string {
  return warm === null ? `--prestart: woke a runtime-only ${runtime} spare` : `--prestart: woke a warm ${runtime} spare (${warm} module${warm === 1 ? '' : 's'} kept warm)`;
}
