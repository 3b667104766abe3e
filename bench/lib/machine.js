// The machine a result was measured on, for the report header.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO } from './peers.js';

export function machineInfo() {
  const cpuinfo = safeRead('/proc/cpuinfo');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(safeRead('/proc/meminfo'))?.[1] ?? os.totalmem() / 1024);
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    nproc: os.availableParallelism(),
    cpu: model,
    memoryGiB: memKiB / 1024 / 1024,
    kernel: `${os.type()} ${os.release()}`,
    loadavg: os.loadavg(),
    node: process.version,
    devreload: packageVersion(path.join(REPO, 'package.json')),
    devreloadCommit: gitHead(),
    nodemon: packageVersion(path.join(REPO, 'node_modules/nodemon/package.json')),
    tsx: packageVersion(path.join(REPO, 'node_modules/tsx/package.json')),
  };
}

function safeRead(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function packageVersion(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

function gitHead() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown';
  }
}
