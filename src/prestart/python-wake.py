# The second half of a prestarted Python spare (python-park.py loads it before parking): the wake.
# The message (src/prestart/python-wake.ts owns its format) says what a cold start of the command
# would have been; the process becomes that: environment, working directory, sys.argv,
# sys.orig_argv, its command line and name as ps shows them, the deferred
# sitecustomize/usercustomize, sys.path[0], then the script or module
# run as CPython runs them (Modules/main.c, Python/pythonrun.c), in a fresh __main__ module.
#
# It also starts the record of what the app imports at start (an audit hook on "import" events),
# appended to a file as it goes, for the next spare.
import os
import sys

# The app's start is over once it binds a socket (a server binds once it has loaded its app), or
# when an import comes this long (seconds) after the one before it: what loads later (on a first
# request, a first job) is imported lazily, and loading it ahead could change what the app does.
_SETTLE_GAP = 0.25


def _third_party(file):
    return isinstance(file, str) and ('/site-packages/' in file or '/dist-packages/' in file)


def _recorder(path, preloaded):
    """The record, for the next spare, appended as the app imports until its start is over
    (_SETTLE_GAP). Two kinds of lines: `name` when an import begins (at once: the app's last
    import is never late), and `name<TAB>file` once it is loaded (a spare checks that it loaded
    the same file). Returns a flush for exit. Never raises: it runs inside the app's imports."""
    import time
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    ours = [(os.fstat(fd).st_dev, os.fstat(fd).st_ino)]
    resolved = set()
    begun = []
    count = [0]
    # When the last import began; None once the start is over (then only the files of imports
    # begun before are still written).
    last = [time.monotonic()]

    def loaded():
        # An import's event comes before its parent package's: a name not loaded yet waits (for
        # a while: a failed import never is).
        lines = []
        waiting = []
        for name, at in begun:
            module = sys.modules.get(name)
            if module is None:
                if count[0] - at < 1000:
                    waiting.append((name, at))
            elif name not in resolved:
                resolved.add(name)
                file = getattr(module, '__file__', None)
                if isinstance(file, str):
                    lines.append(f'{name}\t{file}\n')
        begun[:] = waiting
        return lines

    def write(lines):
        if not lines or not ours:
            return
        # An app that closed every descriptor (daemonizing) may have reused the number for a file of its own.
        stat = os.fstat(fd)
        if (stat.st_dev, stat.st_ino) != ours[0]:
            del ours[:]
            return
        os.write(fd, ''.join(lines).encode('utf-8', 'replace'))

    def flush():
        try:
            write(loaded())
        except Exception:
            pass

    def on_event(event, args):
        if event == 'socket.bind' and last[0] is not None:
            last[0] = None
            flush()
        if event != 'import':
            return
        try:
            count[0] += 1
            lines = loaded()
            now = time.monotonic()
            if last[0] is not None and now - last[0] > _SETTLE_GAP:
                last[0] = None
            if last[0] is not None and args[0] not in ('__main__', '__mp_main__'):
                last[0] = now
                lines.append(f'{args[0]}\n')
                begun.append((args[0], count[0]))
            write(lines)
        except Exception:
            pass

    # What the interpreter's boot loaded, then what the spare did (in the order it began them).
    first = set(preloaded)
    lines = []
    for name in [name for name in list(sys.modules) if name not in first] + list(preloaded):
        module = sys.modules.get(name)
        file = getattr(module, '__file__', None)
        # A dependency under its own name (not an alias: that one loads through its own name).
        if _third_party(file) and getattr(getattr(module, '__spec__', None), 'name', None) == name:
            resolved.add(name)
            lines.append(f'{name}\n{name}\t{file}\n')
    write(lines)
    sys.addaudithook(on_event)
    return flush


def _retitle(args, comm):
    """/proc/<pid>/cmdline and comm as a cold start's (what ps, top and pgrep -f show): the
    interpreter as spawned (the spare's own first word), then `args`. The kernel reads the command
    line from the memory the spare's own argv was in (its stack): the cold one is written there,
    padded with NULs, where it fits (it is shorter than the park script's with its config, but
    for very long arguments). Linux only; anything else leaves them as they are."""
    try:
        with open('/proc/self/comm', 'w') as out:
            out.write(comm)
        with open('/proc/self/cmdline', 'rb') as own:
            words = [own.read().split(b'\0', 1)[0], *map(os.fsencode, args)]
        with open('/proc/self/stat', 'rb') as stat:
            # arg_start and arg_end are fields 48 and 49; the name (field 2) may hold spaces.
            fields = stat.read().rpartition(b')')[2].split()
        start, end = int(fields[45]), int(fields[46])
        data = b''.join(word + b'\0' for word in words)
        if 0 < len(data) <= end - start:
            with open('/proc/self/mem', 'r+b', buffering=0) as memory:
                memory.seek(start)
                memory.write(data.ljust(end - start, b'\0'))
    except Exception:
        pass


def _path0(run):
    """sys.path[0] as CPython computes it (Python/pathconfig.c), or None under -P/-I."""
    if getattr(sys.flags, 'safe_path', sys.flags.isolated):
        return None
    if run['kind'] == 'module':
        return os.getcwd()
    full = _absolute(run['path'])
    return full if _is_importable(full) else os.path.dirname(os.path.realpath(full))


def _absolute(path):
    # Joined as CPython does (no normalisation): `python ./x.py` gives __file__ '/cwd/./x.py'.
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


def _is_importable(full):
    """A folder or a zip archive with a __main__.py, which python runs as a module."""
    if os.path.isdir(full):
        return True
    import zipimport
    try:
        zipimport.zipimporter(full)
        return True
    except Exception:
        return False


def _fresh_main(keys):
    import types
    main = types.ModuleType('__main__')
    for key in keys:
        if key == '__annotations__':
            main.__annotations__ = {}
        elif key == '__builtins__':
            main.__builtins__ = __builtins__
    sys.modules['__main__'] = main
    return main


def _run_script(path, main):
    full = _absolute(path)
    if _is_importable(full):
        import runpy
        return runpy._run_module_as_main('__main__', False)
    try:
        import io
        with io.open_code(full) as file:
            source = file.read()
    except OSError as error:
        program = getattr(sys, 'orig_argv', [sys.executable])[0]
        sys.stderr.write(f"{program}: can't open file {full!r}: [Errno {error.errno}] {error.strerror}\n")
        raise SystemExit(2)
    from importlib.machinery import SourceFileLoader
    main.__loader__ = SourceFileLoader('__main__', full)
    main.__file__ = full
    main.__cached__ = None
    exec(compile(source, full, 'exec', dont_inherit=True), main.__dict__)
    # As CPython does once the script returns.
    del main.__file__, main.__cached__


def _report(error, here):
    """An exception the app did not catch, as the interpreter reports it, without our frames."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(here + os.sep):
        tb = tb.tb_next
    error = error.with_traceback(tb)
    sys.last_type, sys.last_value, sys.last_traceback = type(error), error, tb
    if sys.version_info >= (3, 12):
        sys.last_exc = error
    sys.excepthook(type(error), error, tb)


def wake(message, deferred, preloaded, main_keys, here):
    os.environ.clear()
    os.environ.update(message['env'])
    if os.getcwd() != message['cwd']:
        os.chdir(message['cwd'])
    sys.argv = list(message['argv'])
    if hasattr(sys, 'orig_argv'):
        sys.orig_argv = [sys.orig_argv[0], *message['origArgv']]
    _retitle(message['origArgv'], message['comm'])
    flush = _recorder(message['record'], preloaded)
    interrupted = []

    import atexit

    # Registered before the app's own handlers, so it runs after them (LIFO).
    def last():
        flush()
        if interrupted:
            # An uncaught Ctrl-C ends the interpreter by SIGINT, once everything else ran.
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:
                    pass
            import signal
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)

    atexit.register(last)
    site = sys.modules.get('site')
    for name in deferred:
        getattr(site, 'exec' + name)()
    run = message['run']
    path0 = _path0(run)
    # A warm spare put it there already, to load dependencies as the app would.
    if path0 is not None and sys.path[:1] != [path0]:
        sys.path.insert(0, path0)
    main = _fresh_main(main_keys)
    try:
        if run['kind'] == 'module':
            import runpy
            runpy._run_module_as_main(run['name'], True)
        else:
            _run_script(run['path'], main)
    except SystemExit:
        raise
    except BaseException as error:
        _report(error, here)
        if isinstance(error, KeyboardInterrupt):
            interrupted.append(True)
        raise SystemExit(1)
