// Files go into a host through tar, with every folder that holds them as an entry of its
// own before them (Runtime.copyFiles): tar that must make a file's folder itself gives up
// on the file when the folder appears meanwhile, as the host's setup makes /lab/programs
// while the programs are copied in (seen once in 28 lessons on a loaded engine).
import { describe, expect, it } from 'vitest';
import { foldersOf } from '../../src/runtime/docker/docker-runtime.js';

describe('the folders of files copied into a host', () => {
  it('lists every folder once, parents before children, without the leading slash', () => {
    expect(foldersOf(['/lab/programs/tcp-hello-server.js', '/lab/programs/udp-five-server.js', '/lab/files/notes.txt', '/root/data/in/a.bin'])).toEqual([
      'lab',
      'root',
      'lab/files',
      'lab/programs',
      'root/data',
      'root/data/in',
    ]);
  });

  it('has none for a file at the top', () => {
    expect(foldersOf(['/top.txt'])).toEqual([]);
  });
});
