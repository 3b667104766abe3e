import os from 'node:os';
import path from 'node:path';

/** What the fixture app imports, from the npm registry. */
export const appDependencies = { express: '^5.1.0', ejs: '^3.1.10', ws: '^8.18.0' };

/** Installed once per machine, for this exact list (global-setup.ts). */
export const dependenciesDir = path.join(os.tmpdir(), `devreload-browser-deps-${Buffer.from(JSON.stringify(appDependencies)).toString('base64url').slice(0, 24)}`);
