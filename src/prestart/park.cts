// The entry point of a prestarted spare (`devreload --prestart`): Node boots, loads this file
// and nothing else, and waits on stdin. devreload writes one wake message there when the
// previous instance is gone; from then on the process becomes the app as a fresh
// `node [flags] script args` would be: same environment, argv, execArgv, preloads in Node's
// order, then the script through Node's own entry-point logic (CommonJS or ESM alike).
//
// Until the wake it has run no user code and no user preload, bound no port and opened no
// inspector. It prints nothing: its stdout and stderr are the app's.
//
// With `--warm` (the default `--prestart`), devreload first writes a Park message: the spare
// loads the app's third-party dependencies (preload.cts) before it parks, and the woken app
// records what it loads for the next spare (record.cts).
//
// CommonJS on purpose: the smallest thing Node can load, and `Module.runMain` is the very
// function Node itself uses to start a main script.
import fs = require('node:fs');
import Module = require('node:module');
import path = require('node:path');
import url = require('node:url');
import envs = require('./env-delta.cjs');
import type PreloadModule = require('./preload.cjs');
import type RecordModule = require('./record.cjs');
import type { Park, Preloaded, Wake } from './protocol.cjs';

/** Must match src/prestart/wake.ts, which writes the messages. */
const lengthDigits = 10;

/** Reads exactly `size` bytes from stdin: what follows them belongs to the app. */
function readExactly(size: number, done: (bytes: Buffer | null) => void): void {
  const buffer = Buffer.alloc(size);
  const next = (offset: number): void => {
    if (offset === size) return done(buffer);
    // Asynchronous, so whatever the runtime's own boot left pending keeps running meanwhile.
    fs.read(0, buffer, offset, size - offset, null, (error, read) => {
      // EOF or a closed pipe before the wake: devreload is done with this spare.
      if (error !== null || read === 0) return done(null);
      next(offset + read);
    });
  };
  next(0);
}

/** One length-prefixed JSON message; exits quietly when devreload closed the pipe first. */
function readMessage<T>(done: (message: T) => void): void {
  readExactly(lengthDigits + 1, (header) => {
    if (header === null) return process.exit(0);
    readExactly(Number(header.toString('latin1').trim()), (body) => {
      if (body === null) return process.exit(0);
      done(JSON.parse(body.toString('utf8')) as T);
    });
  });
}

/** Loaded before the spare parks, not on the way to the app's first line. */
let recorder: typeof RecordModule | undefined;

function wake(message: Wake, preloaded: Preloaded | null): void {
  envs.replaceEnv(message.env);
  // What the preloaded dependencies set in process.env is theirs, as in a fresh start.
  if (preloaded !== null) envs.apply(process.env, preloaded.own);
  // NODE_PATH is read into the module search paths at boot: read it again.
  (Module as unknown as { _initPaths(): void })._initPaths();
  process.argv = [process.argv[0] as string, ...message.argv];
  process.execArgv = [...message.execArgv];
  if (process.cwd() !== message.cwd) process.chdir(message.cwd);
  // A fresh start has no main module until its main script (if CommonJS) is loaded.
  process.mainModule = undefined;
  preloaded?.release();
  if (message.record !== undefined) recorder?.startRecording(message.record, preloaded);

  // Node resolves preloads as if required or imported from a file in the working directory.
  const requireFromCwd = Module.createRequire(path.join(message.cwd, '[preload]'));
  const imports: string[] = [];
  for (const preload of message.preloads) {
    if (preload.kind === 'require') requireFromCwd(preload.specifier);
    else imports.push(new URL(preload.specifier, url.pathToFileURL(`${message.cwd}/`)).href);
  }
  // From an event-loop turn of its own, as Node runs a main script from its own boot: no frame of
  // this file is on the stack under the app's, so an error the app throws as it loads (a syntax
  // error just saved) shows none of devreload. Looked up once the preloads ran: one may patch it.
  const run = (): void => void setImmediate((Module as unknown as { runMain(): void }).runMain.bind(Module));
  if (imports.length === 0) return run();
  imports
    .reduce<Promise<unknown>>((previous, href) => previous.then(() => import(href)), Promise.resolve())
    .then(run, (error: unknown) => {
      // As node reports a failing --import: the error, and exit code 1.
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}

if (process.argv[2] === '--warm') {
  readMessage<Park>((park) => {
    recorder = require('./record.cjs') as typeof RecordModule;
    (require('./preload.cjs') as typeof PreloadModule).preload(park).then(
      (preloaded) => readMessage<Wake>((message) => wake(message, preloaded)),
      (error: unknown) => {
        // A bug of devreload's, not the app's: the spare is unusable, and devreload starts afresh.
        process.stderr.write(`devreload: the spare could not preload: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(70);
      },
    );
  });
} else {
  readMessage<Wake>((message) => wake(message, null));
}
