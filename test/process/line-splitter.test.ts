import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/process/line-splitter.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('LineSplitter', () => {
  it('ends lines at \\n, \\r\\n and a lone \\r; the output’s end ends the last one', () => {
    const splitter = new LineSplitter(100);
    expect(splitter.push(bytes('one\ntwo\r\nthree\r4'))).toEqual(['one', 'two', 'three']);
    expect(splitter.push(bytes('0%\r100%'))).toEqual(['40%']);
    expect(splitter.end()).toEqual(['100%']);
  });

  it('joins a \\r\\n split across chunks into one line break', () => {
    const splitter = new LineSplitter(100);
    expect(splitter.push(bytes('a\r'))).toEqual([]);
    expect(splitter.push(bytes('\nb\n'))).toEqual(['a', 'b']);
    expect(splitter.end()).toEqual([]);
  });

  it('treats a \\r at the very end of the output as a line break', () => {
    const splitter = new LineSplitter(100);
    expect(splitter.push(bytes('last\r'))).toEqual([]);
    expect(splitter.end()).toEqual(['last']);
  });

  it('reassembles a UTF-8 character split across chunks', () => {
    const splitter = new LineSplitter(100);
    const text = bytes('größe ✓\n');
    expect(splitter.push(text.subarray(0, 3))).toEqual([]);
    expect(splitter.push(text.subarray(3))).toEqual(['größe ✓']);
  });

  it('reports empty lines', () => {
    expect(new LineSplitter(100).push(bytes('\n\nx\n'))).toEqual(['', '', 'x']);
  });

  it('never holds more than the limit of an unfinished line', () => {
    const splitter = new LineSplitter(4);
    expect(splitter.push(bytes('abcdefghij'))).toEqual(['abcd', 'efgh']);
    expect(splitter.push(bytes('kl\n'))).toEqual(['ijkl']);
    expect(splitter.end()).toEqual([]);
  });
});
