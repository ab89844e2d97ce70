// Terminal colours, only when writing to a terminal and NO_COLOR is unset.
import { styleText } from 'node:util';

type Format = Parameters<typeof styleText>[0];

export interface ConsoleStyle {
  dim(text: string): string;
  bold(text: string): string;
  red(text: string): string;
  green(text: string): string;
  hostColor(index: number, text: string): string;
}

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

/** The lab image build's progress, when the image is built on first use: on stderr, stdout stays for results. */
export const imageProgress = (line: string): void => {
  process.stderr.write(`[image] ${line}\n`);
};
