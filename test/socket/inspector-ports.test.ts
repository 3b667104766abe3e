import { describe, expect, it } from 'vitest';
import { inspectorPorts } from '../../src/socket/inspector-ports.js';

describe('inspectorPorts', () => {
  it('Node’s default port always; a port named on the command line or in NODE_OPTIONS too', () => {
    expect(inspectorPorts('node', ['server.js'], {})).toEqual({ ports: [9229], ephemeral: false });
    expect(inspectorPorts('node', ['--inspect=9230', 'server.js'], {})).toEqual({ ports: [9229, 9230], ephemeral: false });
    expect(inspectorPorts('node', ['--inspect-brk=127.0.0.1:9231', 'server.js'], {}).ports).toEqual([9229, 9231]);
    expect(inspectorPorts('node', ['--inspect-wait=[::1]:9232', 'server.js'], {}).ports).toEqual([9229, 9232]);
    expect(inspectorPorts('tsx', ['--inspect-port', '9233', 'src/server.ts'], {}).ports).toEqual([9229, 9233]);
    expect(inspectorPorts('node', ['--debug-port=9234', 'server.js'], {}).ports).toEqual([9229, 9234]);
    expect(inspectorPorts('node', ['server.js'], { NODE_OPTIONS: '--require ./a.js --inspect=0.0.0.0:9235' }).ports).toEqual([9229, 9235]);
  });

  it('a flag without a port, or with a host alone, is the default port', () => {
    expect(inspectorPorts('node', ['--inspect', '--inspect=localhost', 'server.js'], {})).toEqual({ ports: [9229], ephemeral: false });
  });

  it('port 0, or a debugger’s bootloader, takes a port nobody can name: the ephemeral range', () => {
    expect(inspectorPorts('node', ['--inspect=0', 'server.js'], {}).ephemeral).toBe(true);
    expect(inspectorPorts('node', ['--inspect-port=127.0.0.1:0', 'server.js'], {}).ephemeral).toBe(true);
    expect(inspectorPorts('node', ['server.js'], { NODE_OPTIONS: '--require /vscode/bootloader.js', VSCODE_INSPECTOR_OPTIONS: '{"inspectorIpc":"/tmp/x"}' }).ephemeral).toBe(true);
    expect(inspectorPorts('node', ['server.js'], { NODE_INSPECTOR_IPC: '/tmp/ipc' }).ephemeral).toBe(true);
    expect(inspectorPorts('node', ['server.js'], { VSCODE_INSPECTOR_OPTIONS: '' }).ephemeral).toBe(false);
  });

  it('ignores look-alikes and impossible ports', () => {
    expect(inspectorPorts('node', ['--inspector=1234', '--inspect=99999', 'server.js'], {}).ports).toEqual([9229]);
  });
});
