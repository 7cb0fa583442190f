/** The lab's status line: sandbox waiting in line (place, estimate), starting (phase, percent),
 * ready (time left), expired or failed (one-click restart), and the connection to the server
 * (lost / reconnecting). */
import type { QueuePlace, SandboxStatus } from '../server/common/api.ts';
import type { Connection } from './api.ts';
import { formatDuration, formatWait, h, ordinal } from './dom.ts';
import { DisposableStore, Emitter, type Disposable } from '../server/common/lifecycle.ts';

/** Under this much time left the countdown turns to a warning. */
const WARN_LEFT_MS = 5 * 60_000;

/** "You are 3rd in line; about 20 s", or, when every place is taken, how full the lab is first. */
export function queueText(q: QueuePlace): string {
  const place = q.position === 1 ? 'next' : ordinal(q.position);
  const wait = `${q.atMost ? 'at most' : 'about'} ${formatWait(q.etaS)}`;
  return q.full
    ? `The lab is full: ${q.running} ${q.running === 1 ? 'sandbox' : 'sandboxes'} running, you are ${place} in line; ${wait}.`
    : `You are ${place} in line; ${wait}.`;
}

export class StatusBar implements Disposable {
  readonly element: HTMLElement;
  private readonly _store = new DisposableStore();
  private readonly _onAction = new Emitter<'start' | 'reset'>();
  /** The learner asked to start (or restart) the sandbox, or to reset it. */
  readonly onAction = this._onAction.event;
  private readonly _text: HTMLElement;
  private readonly _bar: HTMLProgressElement;
  private readonly _button: HTMLButtonElement;
  private readonly _conn: HTMLElement;
  private readonly _live: HTMLElement;
  private _status: SandboxStatus = { state: 'none', nodes: [] };
  private _action: 'start' | 'reset' = 'start';

  constructor() {
    this._text = h('span', { class: 'status-text' });
    this._bar = h('progress', { class: 'status-progress', max: 100, hidden: true });
    this._button = h('button', { type: 'button', class: 'btn', hidden: true, onclick: () => this._onAction.fire(this._action) });
    this._conn = h('span', { class: 'status-connection', role: 'alert', hidden: true });
    // The countdown changes every second; only state changes are announced, through _live.
    this._live = h('span', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
    this.element = h('div', { class: 'status' }, this._text, this._bar, this._button, this._conn, this._live);
    this._store.add(this._onAction);
    this._store.interval(() => this._tick(), 1000);
    this.render();
  }

  setStatus(s: SandboxStatus): void {
    this._status = s;
    this.render();
  }

  setConnection(c: Connection): void {
    this._conn.hidden = c !== 'lost';
    this._conn.textContent = c === 'lost' ? 'Connection to the server lost. Reconnecting…' : '';
    this.element.dataset.connection = c;
  }

  render(): void {
    const s = this._status;
    this.element.dataset.state = s.state;
    // The place in line, for tests and styles; absent when not waiting.
    if (s.state === 'starting' && s.queue) this.element.dataset.queue = String(s.queue.position);
    else delete this.element.dataset.queue;
    this._bar.hidden = s.state !== 'starting';
    let button: string | undefined;
    switch (s.state) {
      case 'none':
        this._text.textContent = 'No sandbox yet.';
        button = 'Start sandbox';
        this._action = 'start';
        break;
      case 'starting':
        this._text.textContent = s.queue ? queueText(s.queue) : `Starting your sandbox: ${s.progress?.phase ?? 'queued'} (${s.progress?.percent ?? 0}%)`;
        this._bar.value = s.progress?.percent ?? 0;
        this._bar.hidden = s.queue !== undefined;
        break;
      case 'ready':
        this._tick();
        button = 'Reset sandbox';
        this._action = 'reset';
        break;
      case 'expired':
        this._text.textContent = s.error ?? 'Your sandbox expired.';
        button = 'Start a new sandbox';
        this._action = 'start';
        break;
      case 'failed':
        this._text.textContent = s.error ?? 'The sandbox could not start.';
        button = 'Try again';
        this._action = 'start';
        break;
    }
    this._button.hidden = !button;
    this._button.textContent = button ?? '';
    if (this._live.dataset.state !== s.state) {
      this._live.dataset.state = s.state;
      this._live.textContent = s.state === 'ready' ? 'Sandbox ready.' : this._text.textContent ?? '';
    }
  }

  dispose(): void {
    this._store.dispose();
    this.element.remove();
  }

  private _tick(): void {
    const s = this._status;
    if (s.state !== 'ready') return;
    if (!s.expiresAt) {
      this._text.textContent = 'Sandbox ready.';
      return;
    }
    const left = s.expiresAt - Date.now();
    this._text.textContent = left > 0 ? `Sandbox ready · ${formatDuration(left)} left` : 'Sandbox ready · expiring now…';
    this.element.classList.toggle('warn', left < WARN_LEFT_MS);
  }
}
