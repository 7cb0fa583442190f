/**
 * Log lines on stderr, one per event: human lines (`time level [scope] message key=value`) on a
 * terminal, one JSON object a line (pino) for a log stack otherwise (SHIPLAB_LOG_FORMAT: auto,
 * text, json). The ids a line is about (learner, sandbox, workshop, request) are its details, so
 * in JSON they are fields to filter on.
 */
import pino from 'pino';
import { config, type LogFormat, type LogLevel } from './config.ts';

type Level = 'debug' | 'info' | 'warn' | 'error';

let setting: { level: LogLevel; format: LogFormat } | undefined;
/** The configured level and format, read on the first line logged. A configuration that does not
 * load is reported by whoever loads it (main, a CLI); until then lines are logged at 'info'. */
function logSetting(): { level: LogLevel; format: LogFormat } {
  if (setting) return setting;
  try {
    const c = config();
    setting = { level: c.log, format: c.logFormat };
  } catch {
    return { level: 'info', format: 'auto' };
  }
  return setting;
}

export interface Logger {
  debug(msg: string, details?: Record<string, unknown>): void;
  info(msg: string, details?: Record<string, unknown>): void;
  warn(msg: string, details?: Record<string, unknown>): void;
  error(msg: string, details?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

function fmt(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return typeof v === 'string' && /^[\w./:@-]+$/.test(s) ? s : JSON.stringify(v);
}

/** One human line. */
export function textLine(time: Date, level: Level, scope: string, msg: string, details?: Record<string, unknown>): string {
  const extra = details
    ? ' ' + Object.entries(details).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${fmt(v)}`).join(' ')
    : '';
  return `${time.toISOString().slice(11, 23)} ${level.padEnd(5)} [${scope}] ${msg}${extra}\n`;
}

/** JSON lines to stderr, written at once (a crash loses nothing); made on first use. */
let jsonRoot: pino.Logger | undefined;
function jsonLogger(): pino.Logger {
  jsonRoot ??= pino(
    {
      level: 'debug',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: 2, sync: true }),
  );
  return jsonRoot;
}

/** Details as JSON fields: an Error is its message, as on the human line. */
function fields(scope: string, details?: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { scope };
  for (const [k, v] of Object.entries(details ?? {})) if (v !== undefined) out[k] = v instanceof Error ? v.message : v;
  return out;
}

export function logger(scope: string): Logger {
  const write = (level: Level, msg: string, details?: Record<string, unknown>) => {
    const { level: want, format } = logSetting();
    if (level === 'debug' && want !== 'debug') return;
    if (want === 'quiet' && (level === 'debug' || level === 'info')) return;
    const json = format === 'json' || (format === 'auto' && !process.stderr.isTTY);
    if (json) jsonLogger()[level](fields(scope, details), msg);
    else process.stderr.write(textLine(new Date(), level, scope, msg, details));
  };
  return {
    debug: (m, d) => write('debug', m, d),
    info: (m, d) => write('info', m, d),
    warn: (m, d) => write('warn', m, d),
    error: (m, d) => write('error', m, d),
    child: (s) => logger(`${scope}/${s}`),
  };
}
