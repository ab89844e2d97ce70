// Opening a report in the person's browser, when there is a desktop to open it on: the
// system's own opener (xdg-open, open, start), detached, so socklab does not wait for it.
import { spawn } from 'node:child_process';
import { shortPath } from '../util/paths.js';

/** What a desktop's opener is called here, or why there is none. */
function opener(): { command: string; args: string[] } | string {
  if (process.platform === 'darwin') return { command: 'open', args: [] };
  if (process.platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'no desktop here (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  return { command: 'xdg-open', args: [] };
}

/** Opens `file`; says what happened, in one line for the person. */
export async function openInBrowser(file: string): Promise<string> {
  const how = opener();
  if (typeof how === 'string') return `${how}: open ${shortPath(file)} in a browser yourself`;
  return new Promise((resolve) => {
    const child = spawn(how.command, [...how.args, file], { detached: true, stdio: 'ignore' });
    child.once('error', (error) => resolve(`could not run ${how.command} (${error.message}): open ${shortPath(file)} in a browser yourself`));
    child.once('spawn', () => {
      child.unref();
      resolve(`opened ${shortPath(file)}`);
    });
  });
}
