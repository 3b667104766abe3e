// What devreload and a `--prestart` spare say to each other: the messages devreload writes to
// the spare's stdin (park.cts reads them), and the files the spare and the app woken from it
// write back. Types only, shared by both sides (the spare's side is CommonJS, see park.cts).

/** A preload the app asked for: run when the spare wakes, never while it is parked. */
export interface Preload {
  readonly kind: 'require' | 'import';
  readonly specifier: string;
}

/** The one message a parked spare reads from its stdin to become the app. */
export interface Wake {
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly argv: readonly string[];
  readonly execArgv: readonly string[];
  readonly preloads: readonly Preload[];
  /** Warm spares: where the woken app writes what it loaded (a Recorded). */
  readonly record?: RecordRequest;
}

export interface RecordRequest {
  readonly file: string;
  /** Watched folders: a module in one of them is the user's, even inside a node_modules below them. */
  readonly userRoots: readonly string[];
}

/**
 * A third-party module the app loaded from its own code: loading the roots in order loads
 * everything else the way the app did. `id` is an absolute file name (`require`) or a file URL
 * (`import`).
 */
export interface Root {
  readonly kind: 'require' | 'import';
  readonly id: string;
  /** The app's module that required it: the preload requires it from there, so `module.parent` is the same file. */
  readonly parent?: string;
  /** Index in `envs`: how the app had changed process.env when it required this root (CommonJS only). */
  readonly env?: number;
}

/** Changes to process.env against the environment the app was started with. */
export interface EnvDelta {
  readonly set: Readonly<Record<string, string>>;
  readonly unset: readonly string[];
}

/** The message a warm spare reads first, before it parks: what to load. */
export interface Park {
  /** The app's environment, argv and execArgv (as a fresh start gets them): dependencies load with them. */
  readonly env: Record<string, string>;
  readonly argv: readonly string[];
  readonly execArgv: readonly string[];
  readonly roots: readonly Root[];
  readonly envs: readonly EnvDelta[];
  /** The kind of the app's main module, as last seen (`require.main` differs: CJS deps may read it at load). */
  readonly main: 'cjs' | 'esm' | null;
  /** The main script's file name (for `require.main` while the spare loads). */
  readonly script: string;
  /** Where the spare writes its SpareReport once loaded (null: nothing to load, nothing to say). */
  readonly report: string | null;
  /** The app imports ES modules: a module.register() hook (file URL) recording them, registered before any load where Node has no in-thread hooks (Node 20). */
  readonly esmRecorder: string | null;
}

/** What the woken app loaded, written by it (record.cts) once loading settles and again at exit. */
export interface Recorded {
  readonly v: 1;
  readonly main: 'cjs' | 'esm';
  /** A CommonJS main module's file name, as Node resolved it (a link's target). */
  readonly mainFile: string | null;
  readonly roots: readonly Root[];
  readonly envs: readonly EnvDelta[];
  /** Variables the app's own code set or removed while it ran (ES module loads cannot be placed among them). */
  readonly envChanged: readonly string[];
  /** Something patched the module loader (require hooks, module.register): instrumentation must see every load. */
  readonly instrumented: string | null;
  /** Roots that loaded one of the user's modules while they loaded: never preloaded. */
  readonly tainted: readonly string[];
  /** A preloaded root the app required in another environment than the spare loaded it in. */
  readonly staleEnv: string | null;
}

/** Written by a warm spare once its preload is done. */
export interface SpareReport {
  /** Files its dependencies read while loading, with a fingerprint taken before each read. */
  readonly files: ReadonlyArray<readonly [string, string]>;
  /** Modules from node_modules now loaded, CommonJS and ES modules (the count the start line gives). */
  readonly loaded: number;
  /** Roots that failed to load (dropped from the set). */
  readonly dropped: ReadonlyArray<{ readonly id: string; readonly error: string }>;
  /** The spare cannot be used (an ES module failed: its error would stay in the module map); it exits. */
  readonly unusable: boolean;
}

/** process.env as a plain object. */
export type Env = Record<string, string>;

/** One root a warm spare loaded (preload.cts), as the recorder in the woken app checks it (record.cts). */
export interface PreloadedRoot {
  readonly root: Root;
  /** The app's changes to process.env it was loaded with (env-delta's keyOf). */
  readonly delta: string;
  /** The require.cache entries its load added (CommonJS): what a stale root takes out again. */
  readonly added: readonly string[];
}

/** What a warm spare loaded, handed to the app it becomes. */
export interface Preloaded {
  /** By root id, in load order. */
  readonly roots: ReadonlyMap<string, PreloadedRoot>;
  /** What the dependencies themselves did to process.env while they loaded: kept at the wake. */
  readonly own: EnvDelta;
  /** Prints what the dependencies printed while they loaded: at the wake. */
  readonly release: () => void;
  /** Node 20: the resolves module.register()'s hook thread reports, once it was registered. */
  readonly esm: EsmFeed | null;
}

/** [parentURL, url, fingerprint] of an ES module resolve, as the hook thread (record-hooks.mts) reports it; the fingerprint of the url's file, while the spare loads. */
export type EsmResolve = readonly [string | undefined, string, string?];

/** Every ES module resolve the hook thread reported. */
export interface EsmFeed {
  readonly resolves: EsmResolve[];
  /** The spare is done loading: from now on no fingerprints, and every resolve reported so far is in `resolves`. */
  settle(): void;
  /** Every resolve the hook thread reported so far is in `resolves` (it reports one before its module loads). */
  drain(): void;
}

/** The parts of node:module devreload looks at (some are not in its types). */
export interface Loader {
  prototype: { require(this: unknown, id: string): unknown; _compile: unknown };
  _load: unknown;
  _resolveFilename: unknown;
  _extensions: Record<string, unknown>;
  register?: (...args: unknown[]) => unknown;
  registerHooks?: (hooks: object) => { deregister(): void };
}
