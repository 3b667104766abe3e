# Loading ahead, for a spare that parks (python-park.py runs this file in its own namespace before
# parking: it uses that file's _config, _state, _status, _give_up, _third_party and _users).
#
# The previous instance's record (python-wake.py writes it) names every import the app began and
# then where each was found. The spare imports, in that order, those found in a site folder; an
# import that would load one of the app's own modules fails and the spare gives up; a module found
# here in another file than in the app means the app changed what it imports from where (its
# sys.path), so the spare gives up too. What it prints meanwhile is kept for the wake.
import select


class _Capture:
    """fds 1 and 2 go to files while the spare imports; replay() prints what they caught."""

    def __init__(self):
        flags = os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
        self.kept = [os.open(_config['capture'] + suffix, flags, 0o600) for suffix in ('.out', '.err')]
        self.real = [os.dup(1), os.dup(2)]

    def __enter__(self):
        self._flush()
        os.dup2(self.kept[0], 1)
        os.dup2(self.kept[1], 2)

    def __exit__(self, *exc):
        self._flush()
        os.dup2(self.real[0], 1)
        os.dup2(self.real[1], 2)

    @staticmethod
    def _flush():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass

    def replay(self):
        for fd, kept in zip((1, 2), self.kept):
            os.lseek(kept, 0, os.SEEK_SET)
            data = os.read(kept, 1 << 30)
            while data:
                data = data[os.write(fd, data):]
        for fd in self.kept + self.real:
            os.close(fd)


class _Guard:
    """On sys.meta_path while the spare imports: finds what the other finders find, and refuses
    the app's own modules."""

    # Off while it asks the other finders itself, and while the preloader only looks a name up.
    off = False
    begun = []

    def find_spec(self, name, path=None, target=None):
        if _Guard.off:
            return None
        self.begun.append(name)
        _Guard.off = True
        try:
            for finder in sys.meta_path:
                find = None if finder is self else getattr(finder, 'find_spec', None)
                spec = None if find is None else find(name, path, target)
                if spec is not None:
                    break
            else:
                return None
        finally:
            _Guard.off = False
        if any(_users(place) for place in [spec.origin, *(spec.submodule_search_locations or [])]):
            _state['tainted'] = f'loading {_state["loading"]} imports the app’s own {name} ({spec.origin})'
            raise ImportError(f'devreload: {name} is the app’s own module, not loaded while parked')
        return spec


class _Preloader:
    """Follows the previous instance's record as it grows (python-wake.py writes it): imports
    each third-party module named, and checks that those it loaded are the app's."""

    def __init__(self, record):
        self.record = record
        self.fd = None
        self.pending = b''
        self.stopped = False

    def lines(self):
        if self.fd is None:
            try:
                self.fd = os.open(self.record, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                return []
        chunk = os.read(self.fd, 1 << 20)
        *complete, self.pending = (self.pending + chunk).split(b'\n')
        return [line.decode('utf-8', 'replace').split('\t') for line in complete if line]

    def load(self, fields):
        name = fields[0]
        if len(fields) > 1:
            # Where the app's import found `name`: one loaded here from elsewhere is not the app's.
            here = getattr(sys.modules.get(name), '__file__', None)
            if isinstance(here, str) and here != fields[1]:
                _give_up(f'{name} is {here} here but was {fields[1]} in the app')
            return
        if self.stopped or name in sys.modules or not self.third_party(name):
            return
        if any(name == first or name.startswith(first + '.') for first in _config.get('after', [])):
            self.stopped = True
            _status(stoppedAt=name)
            return
        import importlib
        _state['loading'] = name
        try:
            importlib.import_module(name)
        except BaseException:  # a module that fails is dropped, whatever it raised (SystemExit too)
            _state['dropped'].append(name)
        if _state['tainted'] is not None:
            _give_up(_state['tainted'])

    @staticmethod
    def third_party(name):
        """Whether `name`'s top-level package is found in a site folder (found, not loaded)."""
        import importlib.util
        _Guard.off = True
        try:
            spec = importlib.util.find_spec(name.partition('.')[0])
        except Exception:
            return False
        finally:
            _Guard.off = False
        return spec is not None and any(_third_party(place) for place in [spec.origin, *(spec.submodule_search_locations or [])])


def _woken(timeout=0):
    return bool(select.select([0], [], [], timeout)[0])


def _preload(capture):
    preloader = _Preloader(_config['record'])
    guard = _Guard()
    idle = 0.02
    while not _woken(idle):
        batch = preloader.lines()
        if not batch:
            # Often while the previous instance is still importing, then rarely.
            idle = min(idle * 1.5, 1.0)
            continue
        idle = 0.02
        sys.meta_path.insert(0, guard)
        try:
            with capture:
                for fields in batch:
                    if _woken():
                        break
                    preloader.load(fields)
                    _state['lines'] += 1
        finally:
            sys.meta_path.remove(guard)
        # Loaded while parked: what site loaded at boot, a cold start loads too.
        _status(warm=sum(1 for name, module in list(sys.modules.items()) if name not in _state['boot'] and _third_party(getattr(module, '__file__', None))))
