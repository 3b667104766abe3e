import { lookup } from 'node:dns/promises';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { instanceFds, socketEnv } from '../../src/socket/env.js';
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

describe('preload: a listen() host the handed-over socket does not match', () => {
  // Listens on argv's port and host ('-' = none), then says so on stderr: the notice, written
  // synchronously inside listen(), comes before that line in the same pipe.
  const listenScript = `const [port, host] = process.argv.slice(1);
require('net').createServer().listen(Number(port), host === '-' ? undefined : host, () => process.stderr.write('listening\\n'));`;
  const sink = new PassThrough().resume();

  /** Runs the app once with this socket env; resolves with its stderr lines once it listens (and, if `until`, once a line matches). */
  async function run(handed: { env: NodeJS.ProcessEnv; fds: number[]; port: number }, host: string, until?: RegExp): Promise<string[]> {
    const lines: string[] = [];
    const instance = await resources.start({
      command: process.execPath,
      args: ['-e', listenScript, String(handed.port), host],
      cwd: process.cwd(),
      env: handed.env,
      fds: handed.fds,
      onOutputLine: (line, stream) => {
        if (stream === 'stderr') lines.push(line);
      },
      copyTo: { stdout: sink, stderr: sink },
    });
    await waitFor(`the app to listen on ${host}`, () => (lines.includes('listening') && (until === undefined || lines.some((l) => until.test(l))) ? true : undefined));
    await instance.signal('SIGKILL');
    await instance.gone;
    return lines;
  }

  const notices = (lines: readonly string[]) => lines.filter((line) => line.includes('app listens on'));

  it('says so once per run, not once per instance, naming both hosts and the option value that matches', async () => {
    const handed = await handOff(resources, builtPreload);
    const { port } = handed;
    const expected = `[devreload] app listens on 0.0.0.0:${port} but --socket 127.0.0.1:${port} is bound to 127.0.0.1 (loopback only); use --socket 0.0.0.0:${port} to expose it`;
    expect(notices(await run(handed, '0.0.0.0'))).toEqual([expected]);
    // The next instances of the same run: already said.
    expect(notices(await run(handed, '0.0.0.0'))).toEqual([]);
    expect(notices(await run(handed, '0.0.0.0'))).toEqual([]);
    // Another mismatch is news.
    expect(notices(await run(handed, '::'))).toEqual([`[devreload] app listens on [::]:${port} but --socket 127.0.0.1:${port} is bound to 127.0.0.1 (loopback only); use --socket [::]:${port} to expose it`]);
  });

  it('says nothing when the hosts agree, or when listen() names no host', async () => {
    const handed = await handOff(resources, builtPreload);
    for (const host of ['127.0.0.1', 'localhost', '-']) expect(notices(await run(handed, host))).toEqual([]);
  });

  it('a new run says it again', async () => {
    expect(notices(await run(await handOff(resources, builtPreload), '0.0.0.0'))).toHaveLength(1);
    expect(notices(await run(await handOff(resources, builtPreload), '0.0.0.0'))).toHaveLength(1);
  });

  it('colours the line as devreload colours its warnings: on a terminal or with FORCE_COLOR, never with NO_COLOR', async () => {
    const handed = await handOff(resources, builtPreload);
    const colored = notices(await run({ ...handed, env: { ...handed.env, FORCE_COLOR: '1', NO_COLOR: undefined } }, '0.0.0.0'));
    expect(colored).toEqual([expect.stringMatching(/^\x1b\[32m\[devreload\]\x1b\[39m \x1b\[33mapp listens on 0\.0\.0\.0:\d+ but .* to expose it\x1b\[39m$/)]);
    const other = await handOff(resources, builtPreload);
    const plain = notices(await run({ ...other, env: { ...other.env, FORCE_COLOR: undefined, NO_COLOR: '1' } }, '0.0.0.0'));
    expect(plain).toEqual([expect.stringMatching(/^\[devreload\] app listens on 0\.0\.0\.0:\d+ but .* to expose it$/)]);
  });

  it('compares a host name by what it resolves to', async () => {
    const set = await resources.listen({ host: '0.0.0.0', port: 0 });
    const handed = { env: socketEnv(set.sockets, { ...process.env }, { preload: builtPreload }), fds: instanceFds(set.sockets), port: set.sockets[0]?.port ?? 0 };
    // This machine's name: it resolves (if at all) to one address, never to "every interface".
    const name = hostname();
    const resolves = await lookup(name).then(() => true, () => false);
    const said = new RegExp(`app listens on ${name.replace(/[.]/g, '\\.')}:${handed.port} but --socket 0\\.0\\.0\\.0:${handed.port} is bound to 0\\.0\\.0\\.0 \\(every interface\\); use --socket `);
    const lines = await run(handed, name, resolves ? said : undefined);
    expect(notices(lines).length, lines.join('\n')).toBe(resolves ? 1 : 0);
  });
});
