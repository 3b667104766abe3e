# The entry point of a prestarted Python spare (`devreload --prestart`; src/prestart/python-spares.ts
# starts it). The interpreter boots with the app's flags and environment and runs this file, which
# imports the third-party modules (site-packages, dist-packages) the previous instance recorded, in
# its order, then waits on stdin for the wake message. python-wake.py then makes the process the
# app, as `python script.py`, `python -m module` or a console script would have started it.
#
# Until the wake nothing of the app's runs: if a dependency being loaded tries to import one of the
# app's own modules (a file under the user's paths), that import fails and the spare gives up, since
# the dependency would have seen the app's module in a cold start. What it prints while parked
# (a dependency's warning) is kept and printed at the wake, where a cold start would have printed it.
#
# argv[1] is a JSON object: ParkConfig in src/prestart/python-wake.ts says what each field is.
_main_keys = list(globals())  # the keys a fresh __main__ has, before this file defines any
import json
import os
import sys

_here = os.path.dirname(os.path.realpath(__file__))
_config = json.loads(sys.argv[1])
_user = [os.path.join(p, '') for p in _config.get('user', [])]
_state = {'warm': 0, 'lines': 0, 'boot': set(), 'dropped': [], 'sites': [], 'runtimeOnly': None, 'tainted': None, 'stoppedAt': None, 'loading': None}


def _third_party(file):
    return isinstance(file, str) and ('/site-packages/' in file or '/dist-packages/' in file)


def _users(file):
    return isinstance(file, str) and not _third_party(file) and any(file.startswith(p) for p in _user)


def _status(**fields):
    _state.update(fields)
    path = _config['status']
    with open(path + '.tmp', 'w') as out:
        json.dump({key: value for key, value in _state.items() if key != 'boot'}, out)
    os.replace(path + '.tmp', path)


def _give_up(reason):
    _status(tainted=reason)
    os._exit(0)


def _strip_boot_paths():
    """This file's folder and the shim leave sys.path and PYTHONPATH: the app's are a cold start's."""
    shim = _config.get('shim')
    if sys.path and sys.path[0] == _here:
        del sys.path[0]
    if shim is None:
        return
    sys.path[:] = [p for p in sys.path if p != shim]
    sys.path_importer_cache.pop(shim, None)
    if _config.get('pythonpath') is None:
        os.environ.pop('PYTHONPATH', None)
    else:
        os.environ['PYTHONPATH'] = _config['pythonpath']


def _customize():
    """site imported the shims: import the real sitecustomize and usercustomize now, in site's
    order, unless one is the app's own. That one, and what follows it, waits for the wake, and the
    spare loads nothing else (the app's customization runs before any dependency in a cold start).
    Returns the names left for the wake."""
    shim = _config.get('shim')
    site = sys.modules.get('site')
    deferred = []
    for name in ('sitecustomize', 'usercustomize'):
        loaded = sys.modules.get(name)
        file = getattr(loaded, '__file__', None)
        if loaded is None or shim is None or os.path.dirname(file or '') != shim:
            # No shim (-E, -I): the real one ran at boot, the app's own included.
            if _users(file):
                _give_up(f'{file} ran when Python started, before any wake')
            continue
        del sys.modules[name]
        if name == 'usercustomize' and not getattr(site, 'ENABLE_USER_SITE', False):
            continue
        if _state['runtimeOnly'] is None:
            import importlib.util
            spec = importlib.util.find_spec(name)
            if spec is not None and _users(spec.origin):
                _state['runtimeOnly'] = f'{spec.origin} is the app’s own {name}, which Python runs before anything else'
        if _state['runtimeOnly'] is None:
            getattr(site, 'exec' + name)()
        else:
            deferred.append(name)
    return deferred


def _sites():
    """Every folder third-party modules come from, with its mtime: a pip install changes it."""
    import site
    dirs = [p for p in sys.path if os.path.basename(p) in ('site-packages', 'dist-packages')]
    dirs += [p for p in site.getsitepackages() if p not in dirs]
    if site.ENABLE_USER_SITE and site.getusersitepackages() not in dirs:
        dirs.append(site.getusersitepackages())
    found = []
    for folder in dirs:
        try:
            found.append([folder, str(os.stat(folder).st_mtime_ns)])
        except OSError:
            found.append([folder, None])
    return found


def _read_exactly(size):
    data = b''
    while len(data) < size:
        chunk = os.read(0, size - len(data))
        if not chunk:
            # EOF before a wake: devreload is done with this spare.
            os._exit(0)
        data += chunk
    return data


def _park():
    deferred = []
    capture = None
    if _config['mode'] != 'cold':
        capture = _Capture()
        with capture:
            _strip_boot_paths()
            deferred = _customize()
            _state['boot'] = {name for name, module in list(sys.modules.items()) if _third_party(getattr(module, '__file__', None))}
            _status(sites=_sites())
        if _config['mode'] == 'warm' and _config.get('record') and _state['runtimeOnly'] is None:
            # The app's sys.path[0] (its script's folder, or the working directory for -m), as in a
            # cold start: a dependency that imports one of the app's modules finds it (and gives up).
            path0 = _wake_module['_path0'](_config['run'])
            if path0 is not None:
                sys.path.insert(0, path0)
            _preload(capture)
    else:
        _strip_boot_paths()
    size = int(_read_exactly(11).decode('latin-1'))
    message = json.loads(_read_exactly(size).decode('utf-8'))
    if capture is not None:
        capture.replay()
    begun = _Guard.begun if capture is not None else []
    return message, deferred, [name for name in begun if name in sys.modules]


def _load(file, namespace):
    path = os.path.join(_here, file)
    with open(path, 'rb') as source:
        exec(compile(source.read(), path, 'exec', dont_inherit=True), namespace)
    return namespace


# Read before parking: a wake runs no more of devreload's code from disk.
if _config['mode'] != 'cold':
    _load('python-preload.py', globals())
_wake_module = _load('python-wake.py', {'__name__': '__devreload_wake__', '__builtins__': __builtins__})
_message, _deferred, _preloaded = _park()
_wake_module['wake'](_message, _deferred, _preloaded, _main_keys, _here)
