/** Plain timestamped log lines on stderr; one line per event, key=value details. */
import { config, type LogLevel } from './config.ts';

type Level = 'debug' | 'info' | 'warn' | 'error';

let setting: LogLevel | undefined;
/** The configured level, read on the first line logged. A configuration that does not load is
 * reported by whoever loads it (main, a CLI); until then lines are logged at 'info'. */
function logSetting(): LogLevel {
  if (setting) return setting;
  try {
    setting = config().log;
  } catch {
    return 'info';
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

export function logger(scope: string): Logger {
  const write = (level: Level, msg: string, details?: Record<string, unknown>) => {
    const want = logSetting();
    if (level === 'debug' && want !== 'debug') return;
    if (want === 'quiet' && (level === 'debug' || level === 'info')) return;
    const t = new Date().toISOString().slice(11, 23);
    const extra = details
      ? ' ' + Object.entries(details).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${fmt(v)}`).join(' ')
      : '';
    process.stderr.write(`${t} ${level.padEnd(5)} [${scope}] ${msg}${extra}\n`);
  };
  return {
    debug: (m, d) => write('debug', m, d),
    info: (m, d) => write('info', m, d),
    warn: (m, d) => write('warn', m, d),
    error: (m, d) => write('error', m, d),
    child: (s) => logger(`${scope}/${s}`),
  };
}
