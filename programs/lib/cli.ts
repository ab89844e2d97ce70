// Shared command-line handling for the lab programs: a small typed wrapper over
// node:util parseArgs, `--help`, and usage errors that exit with code 2.
//
// Every flag is written `--name value` (or `--name=value`); numbers are parsed and
// range-checked here so a program never sees NaN. A bad flag prints one line such as
//   tcp-hello-client: --port must be an integer from 0 to 65535 (got "abc")
// plus a hint to run --help, and exits 2.
import { parseArgs } from 'node:util';

export interface StringOpt {
  type: 'string';
  help: string;
  default?: string;
  choices?: readonly string[];
  multiple?: false;
  /** name of the value in --help, e.g. <addr> */
  arg?: string;
}
export interface StringListOpt {
  type: 'string';
  multiple: true;
  help: string;
  default?: readonly string[];
  arg?: string;
}
export interface NumberOpt {
  type: 'number';
  help: string;
  default?: number;
  min?: number;
  max?: number;
  integer?: boolean;
  multiple?: false;
  arg?: string;
}
export interface NumberListOpt {
  type: 'number';
  multiple: true;
  help: string;
  default?: readonly number[];
  min?: number;
  max?: number;
  integer?: boolean;
  arg?: string;
}
export interface BooleanOpt {
  type: 'boolean';
  help: string;
}
export type OptSpec = StringOpt | StringListOpt | NumberOpt | NumberListOpt | BooleanOpt;

type ValueOf<S> = S extends { type: 'boolean' }
  ? boolean
  : S extends { type: 'string'; multiple: true }
    ? string[]
    : S extends { type: 'number'; multiple: true }
      ? number[]
      : S extends { type: 'string'; choices: readonly (infer C)[] }
        ? S extends { default: string }
          ? C
          : C | undefined
        : S extends { type: 'string'; default: string }
          ? string
          : S extends { type: 'string' }
            ? string | undefined
            : S extends { type: 'number'; default: number }
              ? number
              : S extends { type: 'number' }
                ? number | undefined
                : never;

export type CliValues<O extends Record<string, OptSpec>> = { -readonly [K in keyof O]: ValueOf<O[K]> };

export interface CliSpec<O extends Record<string, OptSpec>> {
  /** program name as shown in messages, e.g. tcp-hello-server */
  name: string;
  /** one paragraph saying what the program does */
  summary: string;
  options: O;
  /** defaults to process.argv.slice(2) */
  argv?: readonly string[];
}

/** Raised for a bad command line; `exitUsage` turns it into exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function helpText(spec: { name: string; summary: string; options: Record<string, OptSpec> }): string {
  const rows: [string, string][] = [];
  for (const [key, o] of Object.entries(spec.options)) {
    const arg = o.type === 'boolean' ? '' : ` <${o.arg ?? (o.type === 'number' ? 'n' : 'value')}>`;
    let help = o.help;
    if (o.type !== 'boolean') {
      if (o.type === 'string' && !o.multiple && o.choices) help += ` (one of ${o.choices.join(', ')})`;
      if (o.multiple) help += ' (repeatable)';
      const def = o.default;
      if (def !== undefined && !(Array.isArray(def) && def.length === 0)) {
        help += ` (default ${Array.isArray(def) ? def.join(', ') : String(def)})`;
      }
    }
    rows.push([`--${key}${arg}`, help]);
  }
  rows.push(['-h, --help', 'show this help and exit']);
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return [`usage: ${spec.name} [flags]`, '', spec.summary, '', 'flags:', ...rows.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`), ''].join('\n');
}

function parseNumber(flag: string, raw: string, o: NumberOpt | NumberListOpt): number {
  const n = raw.trim() === '' ? NaN : Number(raw);
  const min = o.min ?? -Infinity;
  const max = o.max ?? Infinity;
  if (!Number.isFinite(n) || (o.integer && !Number.isInteger(n)) || n < min || n > max) {
    const kind = o.integer ? 'an integer' : 'a number';
    const range = min !== -Infinity && max !== Infinity ? ` from ${min} to ${max}` : min !== -Infinity ? ` >= ${min}` : max !== Infinity ? ` <= ${max}` : '';
    throw new UsageError(`--${flag} must be ${kind}${range} (got ${JSON.stringify(raw)})`);
  }
  return n;
}

/** Translate parseArgs' long messages into one short line. */
function describeParseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const msg = e.message ?? String(err);
  const quoted = /'([^']+)'/.exec(msg)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${quoted ?? msg}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(quoted ?? msg)} (every value needs a --flag)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = quoted?.split(' ')[0];
      if (flag && /argument missing/.test(msg)) return `${flag} needs a value`;
      if (flag) return `${flag} does not take a value`;
      return msg;
    }
    default:
      return msg;
  }
}

/** Parse and validate; throws UsageError. `help` is true when --help was given. */
export function parseFlags<const O extends Record<string, OptSpec>>(spec: CliSpec<O>): { help: true } | { help: false; values: CliValues<O> } {
  const config: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [key, o] of Object.entries(spec.options)) {
    config[key] = { type: o.type === 'boolean' ? 'boolean' : 'string', multiple: o.type !== 'boolean' && o.multiple === true };
  }
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined> };
  try {
    parsed = parseArgs({
      args: [...(spec.argv ?? process.argv.slice(2))],
      options: config,
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(describeParseError(err));
  }
  if (parsed.values['help'] === true) return { help: true };

  const out: Record<string, unknown> = {};
  for (const [key, o] of Object.entries(spec.options)) {
    const raw = parsed.values[key];
    if (o.type === 'boolean') {
      out[key] = raw === true;
    } else if (o.multiple) {
      const list = (raw as string[] | undefined) ?? [];
      if (list.length === 0) {
        out[key] = [...(o.default ?? [])];
      } else {
        out[key] = o.type === 'number' ? list.map((r) => parseNumber(key, r, o)) : list;
      }
    } else if (raw === undefined) {
      out[key] = o.default;
    } else if (o.type === 'number') {
      out[key] = parseNumber(key, raw as string, o);
    } else {
      const s = raw as string;
      if (o.choices && !o.choices.includes(s)) {
        throw new UsageError(`--${key} must be one of ${o.choices.join(', ')} (got ${JSON.stringify(s)})`);
      }
      out[key] = s;
    }
  }
  return { help: false, values: out as CliValues<O> };
}

/** Print a usage error and exit 2. */
export function exitUsage(name: string, message: string): never {
  process.stderr.write(`${name}: ${message}\nrun '${name} --help' for usage\n`);
  process.exit(2);
}

/**
 * The programs' entry point for flags: prints --help (exit 0) or a usage error (exit 2),
 * otherwise returns the typed values.
 */
export function parseCli<const O extends Record<string, OptSpec>>(spec: CliSpec<O>): CliValues<O> {
  let result: ReturnType<typeof parseFlags<O>>;
  try {
    result = parseFlags(spec);
  } catch (err) {
    if (err instanceof UsageError) exitUsage(spec.name, err.message);
    throw err;
  }
  if (result.help) {
    process.stdout.write(helpText(spec));
    process.exit(0);
  }
  return result.values;
}

// ---- common flag definitions, so every program spells them the same way ----

export function portFlag(def: number, help = 'TCP/UDP port'): NumberOpt & { default: number } {
  return { type: 'number', integer: true, min: 0, max: 65535, default: def, help, arg: 'port' };
}

export function hostFlag(def = '127.0.0.1', help = 'server address to connect to'): StringOpt & { default: string } {
  return { type: 'string', default: def, help, arg: 'addr' };
}

export function bindFlag(def = '0.0.0.0'): StringOpt & { default: string } {
  return { type: 'string', default: def, help: 'local address to bind the server to', arg: 'addr' };
}

export function messageFlag(def: string, help = 'text to send'): StringOpt & { default: string } {
  return { type: 'string', default: def, help, arg: 'text' };
}

export function countFlag(def: number, help: string, min = 0): NumberOpt & { default: number } {
  return { type: 'number', integer: true, min, default: def, help };
}

export function timeoutFlag(def: number, help = 'seconds to wait before giving up'): NumberOpt & { default: number } {
  return { type: 'number', min: 0.001, default: def, help, arg: 'seconds' };
}
