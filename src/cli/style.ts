// Terminal colours, only when writing to a terminal and NO_COLOR is unset.
import { styleText } from 'node:util';
import type { ConsoleStyle } from '../lab/reporter.js';

type Format = Parameters<typeof styleText>[0];

export function consoleStyle(stream: NodeJS.WriteStream = process.stdout): ConsoleStyle {
  const enabled = stream.isTTY === true && !process.env.NO_COLOR;
  const paint = (format: Format) => (text: string) => (enabled ? styleText(format, text) : text);
  const hostColors: Format[] = ['cyan', 'magenta', 'yellow', 'blue', 'green', 'redBright', 'cyanBright', 'magentaBright'];
  return {
    dim: paint('dim'),
    bold: paint('bold'),
    red: paint('red'),
    green: paint('green'),
    hostColor: (index, text) => paint(hostColors[index % hostColors.length]!)(text),
  };
}
