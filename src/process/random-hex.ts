import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * `bytes` random bytes from the kernel's CSPRNG, as hex. /dev/urandom is read directly: loading
 * node:crypto (OpenSSL's bindings) costs ~1–2 ms of CPU on Node 20, on the way to the first
 * spawn (the instance tag needs the run secret then). node:crypto is the fallback, loaded only
 * where /dev/urandom cannot be read (the CLI bundle loads it on first use).
 */
export function randomHex(bytes: number, source = '/dev/urandom'): string {
  const buffer = Buffer.alloc(bytes);
  try {
    const fd = openSync(source, 'r');
    try {
      if (readSync(fd, buffer, 0, bytes, null) === bytes) return buffer.toString('hex');
    } finally {
      closeSync(fd);
    }
  } catch {
    // No /dev/urandom (a chroot without /dev): OpenSSL's generator instead.
  }
  return randomBytes(bytes).toString('hex');
}
