import { describe, expect, it } from 'vitest';
import { pythonStaleness } from '../../src/prestart/python-staleness.js';

const site = { dir: '/venv/lib/python3.12/site-packages', then: '100', now: '100' };

describe('pythonStaleness', () => {
  it('a change to the app’s Python source leaves the spare usable (its dependencies never read it)', () => {
    expect(pythonStaleness({ changed: ['/p/src/app.py', '/p/src/pkg/__init__.py', '/p/types.pyi'], sites: [site] })).toBeUndefined();
    // A restart asked for by hand, or after a crash: nothing changed.
    expect(pythonStaleness({ changed: [], sites: [site] })).toBeUndefined();
  });

  it('a site folder whose mtime moved (pip install), appeared or went away makes it stale', () => {
    expect(pythonStaleness({ changed: [], sites: [{ ...site, now: '200' }] })).toMatch(/site-packages changed \(a package was installed or removed\)/);
    expect(pythonStaleness({ changed: [], sites: [{ dir: '/home/u/.local/lib/python3.12/site-packages', then: null, now: '5' }] })).toMatch(/\.local/);
    expect(pythonStaleness({ changed: [], sites: [{ ...site, now: null }] })).toMatch(/changed/);
  });

  it.each([
    ['/p/requirements.txt', /requirements\.txt changed \(the dependencies may have changed\)/],
    ['/p/requirements-dev.txt', /dependencies/],
    ['/p/pyproject.toml', /dependencies/],
    ['/p/poetry.lock', /dependencies/],
    ['/p/uv.lock', /dependencies/],
    ['/p/Pipfile.lock', /dependencies/],
    ['/p/setup.py', /dependencies/],
    ['/p/src/sitecustomize.py', /Python reads it at start-up/],
    ['/p/src/extra.pth', /Python reads it at start-up/],
    ['/p/.env', /\.env changed and is not Python source/],
    ['/p/config/settings.json', /settings\.json changed and is not Python source/],
    ['/p/templates/index.html', /not Python source/],
    ['/p/src/native.so', /not Python source/],
    ['/venv/lib/python3.12/site-packages/dep/core.py', /belongs to an installed package/],
  ])('%s makes it stale', (changed, reason) => {
    expect(pythonStaleness({ changed: ['/p/src/app.py', changed], sites: [site] })).toMatch(reason);
  });
});
