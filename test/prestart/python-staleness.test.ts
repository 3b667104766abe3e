import { describe, expect, it } from 'vitest';
import { isPythonSource } from '../../src/prestart/python-staleness.js';

const site = '/venv/lib/python3.12/site-packages';

describe('isPythonSource', () => {
  it('the app’s Python source: only the app loads it (a spare’s dependencies never read it)', () => {
    for (const file of ['/p/src/app.py', '/p/src/pkg/__init__.py', '/p/types.pyi', '/p/gui.pyw', '/p/src/__pycache__/app.cpython-312.pyc']) {
      expect(isPythonSource(file, [site]), file).toBe(true);
    }
  });

  it.each([
    ['/p/requirements.txt', 'a manifest'],
    ['/p/requirements-dev.txt', 'a manifest'],
    ['/p/pyproject.toml', 'a manifest'],
    ['/p/poetry.lock', 'a lockfile'],
    ['/p/uv.lock', 'a lockfile'],
    ['/p/Pipfile.lock', 'a lockfile'],
    ['/p/setup.py', 'Python, but a manifest'],
    ['/p/src/sitecustomize.py', 'Python, read at start-up'],
    ['/p/src/extra.pth', 'read at start-up'],
    ['/p/.env', 'a file a dependency may read'],
    ['/p/config/settings.json', 'a file a dependency may read'],
    ['/p/templates/index.html', 'a file a dependency may read'],
    ['/p/src/native.so', 'an extension module'],
    [`${site}/dep/core.py`, 'Python, but an installed package’s'],
  ])('%s is not (%s)', (file) => {
    expect(isPythonSource(file, [site])).toBe(false);
  });
});
