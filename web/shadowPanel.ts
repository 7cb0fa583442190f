/**
 * The console's shadow: a drawer with a read-only xterm (disableStdin, no data handler, the DOM
 * renderer so its text is in the page) showing one attendee's terminal on one node, and a switch
 * between the nodes. The screen takes the size the learner's terminal has (from each snapshot);
 * a bigger one scrolls inside the drawer.
 */
import { Terminal } from '@xterm/xterm';
import { NODE_NAMES, routes, type NodeName } from '../server/common/api.ts';
import { DisposableStore, type Disposable } from '../server/common/lifecycle.ts';
import { screenText } from '../server/common/screenText.ts';
import { SCROLLBACK_LINES } from '../server/common/flowControl.ts';
import { h, listen } from './dom.ts';
import { ShadowLink, type ShadowState } from './shadowLink.ts';
import { DARK, LIGHT } from './terminalView.ts';
import { TERMINAL_FONT, terminalLineHeight } from './terminalFont.ts';

const STATE_TEXT: Record<ShadowState, string> = {
  connecting: 'Connecting…',
  open: 'Live (read-only)',
  reconnecting: 'Connection lost. Reconnecting…',
  waiting: 'No shell to show yet; looking again every few seconds…',
  refused: 'The server refused the shadow (admin session ended). Log in again.',
  closed: 'Closed.',
};

export interface ShadowTarget {
  workshop: string;
  attendee: string;
  name: string;
}

export class ShadowPanel implements Disposable {
  readonly element: HTMLElement;
  private readonly _store = new DisposableStore();
  private readonly _title = h('h2', { id: 'shadow-title' });
  private readonly _state = h('span', { id: 'shadow-state', class: 'shadow-state', role: 'status' });
  private readonly _host = h('div', { id: 'shadow-terminal', class: 'shadow-terminal', 'aria-label': 'Attendee terminal (read-only)' });
  private readonly _nodeButtons = new Map<NodeName, HTMLButtonElement>();
  private _term: Terminal | undefined;
  private _link: ShadowLink | undefined;
  private _target: ShadowTarget | undefined;

  constructor() {
    const switcher = h('div', { class: 'shadow-nodes', role: 'group', 'aria-label': 'Node' });
    for (const node of NODE_NAMES) {
      const b = h('button', { type: 'button', class: 'btn', 'data-shadow-node': node, 'aria-pressed': 'false', onclick: () => this._show(node) }, node);
      this._nodeButtons.set(node, b);
      switcher.append(b);
    }
    const close = h('button', { type: 'button', id: 'shadow-close', class: 'btn', onclick: () => this.close() }, 'Close');
    this.element = h(
      'aside',
      { id: 'shadow-panel', class: 'shadow-panel', 'aria-labelledby': 'shadow-title', tabindex: -1, hidden: true },
      h('div', { class: 'shadow-head' }, this._title, switcher, close),
      this._state,
      h('div', { class: 'shadow-scroll' }, this._host),
    );
    this._store.add(listen(this.element, 'keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Escape') this.close();
    }));
  }

  /** The attendee shown now, if any. */
  get target(): ShadowTarget | undefined {
    return this._target;
  }

  /** Shadows `target` on `node` (the first node unless said). */
  open(target: ShadowTarget, node: NodeName = NODE_NAMES[0]): void {
    this._target = target;
    this.element.hidden = false;
    this.element.dataset.attendee = target.attendee;
    this._title.textContent = `Shadowing ${target.name}`;
    this._show(node);
  }

  close(): void {
    this._link?.dispose();
    this._link = undefined;
    this._target = undefined;
    this.element.hidden = true;
    delete this.element.dataset.attendee;
    this.element.dataset.state = 'closed';
  }

  /** The visible screen as text (tests). */
  screenText(): string {
    return this._term ? screenText(this._term.buffer.active, this._term.rows) : '';
  }

  dispose(): void {
    this.close();
    this._term?.dispose();
    void this._store.dispose();
    this.element.remove();
  }

  private _terminal(): Terminal {
    if (this._term) return this._term;
    const dark = window.matchMedia('(prefers-color-scheme: dark)');
    const term = new Terminal({
      disableStdin: true,
      cursorBlink: false,
      cursorStyle: 'underline',
      fontFamily: TERMINAL_FONT,
      fontSize: 15,
      lineHeight: terminalLineHeight(15),
      scrollback: SCROLLBACK_LINES,
      theme: dark.matches ? DARK : LIGHT,
      allowProposedApi: true,
    });
    this._store.add(listen(dark, 'change', () => (term.options.theme = dark.matches ? DARK : LIGHT)));
    // No onData/onBinary handler: keys pressed here go nowhere (and disableStdin drops them first).
    term.open(this._host);
    // Keys typed here are never sent. Nor may they do their browser default (Space and the arrows
    // would scroll the drawer under the screen); Tab still moves on, copy still copies.
    if (term.textarea) term.textarea.readOnly = true;
    this._store.add(listen(this._host, 'keydown', (e) => {
      const k = e as KeyboardEvent;
      const copy = (k.ctrlKey || k.metaKey) && k.key.toLowerCase() === 'c';
      if (k.key !== 'Tab' && k.key !== 'Escape' && !copy) k.preventDefault();
    }, { capture: true }));
    this._term = term;
    return term;
  }

  private _show(node: NodeName): void {
    const target = this._target;
    if (!target) return;
    for (const [n, b] of this._nodeButtons) b.setAttribute('aria-pressed', String(n === node));
    this.element.dataset.node = node;
    const term = this._terminal();
    this._link?.dispose();
    term.reset();
    const link = new ShadowLink(routes.shadow.path({ workshop: target.workshop, attendee: target.attendee, node }), {
      snapshot: (cols, rows, data, done) => {
        if (cols !== term.cols || rows !== term.rows) term.resize(cols, rows);
        term.write('\x1bc');
        term.write(data, done);
      },
      output: (data, rendered) => term.write(data, rendered),
      exit: (code) => term.write(`\r\n\x1b[2m[the shell ended with exit code ${code}]\x1b[0m\r\n`),
    });
    this._link = link;
    link.onState(({ state, reason }) => {
      if (this._link !== link) return;
      this.element.dataset.state = state;
      this._state.textContent = `${node}: ${STATE_TEXT[state]}` + (reason && state !== 'open' ? ` (${reason})` : '');
      this._state.title = reason ?? '';
    });
    this.element.dataset.state = 'connecting';
    this._state.textContent = `${node}: ${STATE_TEXT.connecting}`;
    link.connect();
  }
}
