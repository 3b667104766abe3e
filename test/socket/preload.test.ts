import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtPreload, firstReply, getJson, handOff, Resources, socketFixture, waitFor, within } from './helpers.js';

const resources = new Resources();
afterEach(() => resources.cleanUp());

interface Served {
  pid: number;
  port: number;
  second?: string;
  child?: { listen: string };
}

const node = (script: string, ...args: string[]) => ({ command: process.execPath, args: [socketFixture(script), ...args] });

describe('preload: an unmodified server.listen(port) uses the handed-off socket', () => {
  it.each(['port', 'port-host', 'port-cb', 'port-host-backlog-cb', 'options', 'string'])('listen form %s', async (form) => {
    const { env, fds, port } = await handOff(resources, builtPreload);
    const instance = await resources.start({ ...node('plain-server.js', form, String(port)), cwd: process.cwd(), env, fds });
    // devreload holds the port: a server binding it itself could only fail with EADDRINUSE.
    const served = await firstReply<Served>(instance, port);
    expect(served).toEqual({ pid: instance.pid, port });
  });

  it('is what makes it work: without the preload the same server cannot bind the held port', async () => {
    const { env, fds, port } = await handOff(resources, false);
    const instance = await resources.start({ ...node('plain-server.js', 'port', String(port)), cwd: process.cwd(), env, fds });
    expect(await within(instance.exited, 'the server to fail')).toEqual({ code: 1, signal: null });
  });

  it('takes the socket once per process: a second server on the port gets EADDRINUSE', async () => {
    const { env, fds, port } = await handOff(resources, builtPreload);
    const instance = await resources.start({ ...node('plain-server.js', 'twice', String(port)), cwd: process.cwd(), env, fds });
    const served = await waitFor('the second listen to settle', async () => {
      const reply = await getJson<Served>(port);
      return reply.second === undefined ? undefined : reply;
    });
    expect(served).toEqual({ pid: instance.pid, port, second: 'EADDRINUSE' });
  });

  it('leaves a server on another port alone', async () => {
    const { env, fds, port } = await handOff(resources, builtPreload);
    const other = await resources.listen();
    const otherPort = other.sockets[0]?.port ?? 0;
    // Free the other port again so the app can bind it itself.
    other.close();
    const instance = await resources.start({ ...node('plain-server.js', 'port-host', String(otherPort)), cwd: process.cwd(), env, fds });
    const served = await firstReply<Served>(instance, otherPort);
    expect(served).toEqual({ pid: instance.pid, port: otherPort });
    expect(otherPort).not.toBe(port);
  });

  it('passes the socket to a forked child beside its IPC channel (which has fd 3)', async () => {
    const { env, fds, port } = await handOff(resources, builtPreload);
    const instance = await resources.start({ ...node('fork-ipc.js', String(port)), cwd: process.cwd(), env, fds });
    const served = await firstReply<Served>(instance, port);
    // The child's listen found the socket at the next free fd, and its IPC channel (which a
    // listen on fd 3 would have wrecked) still carried the report to the parent.
    expect(served).toEqual({ pid: instance.pid, child: { listen: 'listening' } });
  });
});

describe('preload: the socket survives wrappers between devreload and the server', () => {
  it('npm run start -> sh -> node: an unmodified server in the grandchild gets it', async () => {
    const { env, fds, port } = await handOff(resources, builtPreload);
    const dir = await resources.tempDir();
    const script = `node ${JSON.stringify(socketFixture('plain-server.js'))} port ${port}`;
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, scripts: { start: script } }));
    const instance = await resources.start({ command: 'npm', args: ['run', '--silent', 'start'], cwd: dir, env, fds });
    const served = await firstReply<Served>(instance, port, 20_000);
    expect(served.port).toBe(port);
    expect(served.pid).not.toBe(instance.pid);
  });

  it('passes the socket on only to children whose environment still announces it', async () => {
    const { env, fds, port, set } = await handOff(resources, builtPreload);
    const inode = String(set.sockets[0]?.inode);
    const instance = await resources.start({ ...node('spawn-report.js', String(port), inode), cwd: process.cwd(), env, fds });
    expect(await firstReply(instance, port)).toEqual({ pid: instance.pid, announced: [3], clean: [] });
  });

  it('sh -> node: fd 3 is still the socket in a shell\'s child', async () => {
    const { env, fds, port } = await handOff(resources, false);
    // `; exit` keeps the shell from exec'ing node in its own place: node is a real grandchild.
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(socketFixture('fd3-server.js'))}; exit $?`;
    const instance = await resources.start({ command: 'sh', args: ['-c', command], cwd: process.cwd(), env, fds });
    const served = await firstReply<Served>(instance, port);
    expect(served.port).toBe(port);
    expect(served.pid).not.toBe(instance.pid);
  });
});
