/**
 * Command-line options for the CLIs, read by node:util's parseArgs and reported in the CLIs' own
 * words (`unknown option --x`, `--x needs a file`) as a string the caller prints above its usage.
 */
import { parseArgs } from 'node:util';

export type CliOption =
  | { type: 'string'; short?: string; /** What the option needs, for `--x needs …` (default: a value). */ needs?: string }
  | { type: 'boolean'; short?: string };

export type CliOptions = Record<string, CliOption>;

export type CliValues<O extends CliOptions> = { [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean };

export interface CliArgs<O extends CliOptions> {
  values: CliValues<O>;
  positionals: string[];
}

/**
 * Reads `argv` against `options`; positionals are allowed anywhere (and everything after `--`).
 * The last of a repeated option wins. Returns the first problem, in argv order, as a message.
 *
 * A string option takes the next argument as its value; one that starts with `--` is taken as a
 * missing value unless `dashedValues` (then `--answer --json` answers "--json"). `--x=--y` always
 * gives the value `--y`.
 */
export function readArgs<O extends CliOptions>(argv: string[], options: O, { dashedValues = false } = {}): CliArgs<O> | string {
  const config = Object.fromEntries(
    Object.entries(options).map(([name, o]) => [name, o.short === undefined ? { type: o.type } : { type: o.type, short: o.short }]),
  );
  // Not strict: parseArgs reads the tokens, and the checks below word the problems as the CLIs always have.
  const { tokens } = parseArgs({ args: argv, options: config, allowPositionals: true, strict: false, tokens: true });
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (!option) return `unknown option ${token.rawName}`;
    if (option.type === 'boolean') {
      if (token.value !== undefined) return `${token.rawName} takes no value`;
      values[token.name] = true;
    } else {
      const missing = token.value === undefined || (!token.inlineValue && !dashedValues && token.value.startsWith('--'));
      if (missing) return `${token.rawName} needs ${option.needs ?? 'a value'}`;
      values[token.name] = token.value;
    }
  }
  return { values: values as CliValues<O>, positionals };
}
