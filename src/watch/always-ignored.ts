/**
 * Paths no user wants to restart on, whatever the options say. Folders here are pruned
 * before chokidar reads them, so they cost neither memory nor inotify watches.
 */

/** Folder names ignored at any depth: dependencies and version-control metadata. */
const IGNORED_FOLDERS: ReadonlyMap<string, string> = new Map([
  // Dependencies: often 100k+ files; watching them exhausts fs.inotify.max_user_watches.
  ['node_modules', 'always ignored: node_modules'],
  // Version control: every commit, fetch or status rewrites files in here.
  ['.git', 'always ignored: .git'],
  ['.hg', 'always ignored: .hg'],
  ['.svn', 'always ignored: .svn'],
]);

/** Exact file names editors and OSes create next to the files being edited. */
const IGNORED_NAMES: ReadonlyMap<string, string> = new Map([
  // vim writes (then deletes) a file named 4913 to test whether the folder is writable
  // before it saves with 'backupcopy=auto'.
  ['4913', 'editor temp file: vim write test (4913)'],
  // macOS Finder stores view settings in every folder it opens.
  ['.DS_Store', 'OS metadata: macOS .DS_Store'],
]);

interface NamePattern {
  readonly test: (name: string) => boolean;
  readonly rule: string;
}

const IGNORED_NAME_PATTERNS: readonly NamePattern[] = [
  // vim swap files (.app.ts.swp, then .swo, .swx when the previous ones exist); vim
  // rewrites them every 'updatetime' ms while you type, long before you save.
  {
    test: (name) => name.endsWith('.swp') || name.endsWith('.swo') || name.endsWith('.swx'),
    rule: 'editor temp file: vim swap (*.swp, *.swo, *.swx)',
  },
  // vim (and emacs, gedit, nano) backup files: app.ts~ is written or renamed on every save.
  { test: (name) => name.endsWith('~'), rule: 'editor temp file: backup (*~)' },
  // JetBrains "safe write": writes app.ts___jb_tmp___, renames the original to
  // app.ts___jb_old___, renames the temp over it, deletes the old one.
  {
    test: (name) => name.endsWith('___jb_tmp___') || name.endsWith('___jb_old___'),
    rule: 'editor temp file: JetBrains safe write (*___jb_tmp___, *___jb_old___)',
  },
  // emacs lock files (.#app.ts, a dangling symlink) appear as soon as a buffer is modified.
  { test: (name) => name.startsWith('.#'), rule: 'editor temp file: emacs lock (.#*)' },
  // emacs auto-save files (#app.ts#) are rewritten every few hundred keystrokes.
  {
    test: (name) => name.length > 1 && name.startsWith('#') && name.endsWith('#'),
    rule: 'editor temp file: emacs auto-save (#*#)',
  },
];

/**
 * The rule that always ignores a path, given its segments below the watched root
 * (the root itself is never passed: an explicitly watched path is never ignored).
 */
export function matchAlwaysIgnored(segments: readonly string[]): string | undefined {
  for (const segment of segments) {
    const rule = IGNORED_FOLDERS.get(segment);
    if (rule !== undefined) return rule;
  }
  const name = segments[segments.length - 1];
  if (name === undefined) return undefined;
  const exact = IGNORED_NAMES.get(name);
  if (exact !== undefined) return exact;
  return IGNORED_NAME_PATTERNS.find((pattern) => pattern.test(name))?.rule;
}
