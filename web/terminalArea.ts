/** The terminal half of the lab: one tab per node, one TerminalView per tab (created on first
 * use), all connected while the sandbox is ready. Arrow keys move between tabs (ARIA tabs). */
import type { NodeName } from '../server/common/api.ts';
import { h, listen } from './dom.ts';
import { DisposableStore, type Disposable } from '../server/common/lifecycle.ts';
import { TerminalView } from './terminalView.ts';

export class TerminalArea implements Disposable {
  readonly element: HTMLElement;
  private readonly _store = new DisposableStore();
  private readonly _views = new Map<NodeName, TerminalView>();
  private readonly _tabs = new Map<NodeName, HTMLButtonElement>();
  private readonly _panels: HTMLElement;
  private _active: NodeName;
  private _ready = false;

  constructor(private readonly _nodes: NodeName[]) {
    const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Nodes' });
    this._panels = h('div', { class: 'terminal-panels' });
    this.element = h('section', { class: 'terminal-pane', 'aria-label': 'Terminals' }, tablist, this._panels);
    for (const node of _nodes) {
      const tab = h('button', {
        type: 'button',
        role: 'tab',
        class: 'tab',
        id: `tab-${node}`,
        'aria-controls': `panel-${node}`,
        'data-node': node,
        onclick: () => this.show(node, true),
      }, node);
      this._tabs.set(node, tab);
      tablist.append(tab);
    }
    this._store.add(listen(tablist, 'keydown', (e) => {
      const k = (e as KeyboardEvent).key;
      if (k !== 'ArrowRight' && k !== 'ArrowLeft') return;
      const i = this._nodes.indexOf(this._active);
      const next = this._nodes[(i + (k === 'ArrowRight' ? 1 : this._nodes.length - 1)) % this._nodes.length]!;
      this.show(next, false);
      this._tabs.get(next)?.focus();
    }));
    this._active = _nodes[0] ?? 'node1';
  }

  /** Call once the element is in the document. */
  mount(): void {
    this.show(this._active, false);
  }

  get active(): NodeName {
    return this._active;
  }

  view(node: NodeName): TerminalView {
    let v = this._views.get(node);
    if (!v) {
      v = this._store.add(new TerminalView(node));
      v.element.id = `panel-${node}`;
      v.element.setAttribute('role', 'tabpanel');
      v.element.setAttribute('aria-labelledby', `tab-${node}`);
      this._panels.append(v.element);
      this._views.set(node, v);
      v.open();
      if (this._ready) v.link.connect();
    }
    return v;
  }

  show(node: NodeName, focus: boolean): void {
    this._active = node;
    for (const [n, tab] of this._tabs) {
      const on = n === node;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
    }
    const view = this.view(node);
    for (const [n, v] of this._views) v.element.hidden = n !== node;
    view.fit();
    if (focus) view.focus();
  }

  /** Types a runnable block's lines into `node`'s terminal and shows it. */
  run(node: NodeName, lines: string[]): void {
    if (!this._tabs.has(node)) return;
    this.show(node, true);
    this.view(node).typeLines(lines);
  }

  /** Connects every terminal while the sandbox is ready; disconnects them otherwise. */
  setReady(ready: boolean): void {
    if (ready === this._ready) return;
    this._ready = ready;
    for (const v of this._views.values()) {
      if (ready) v.link.connect();
      else v.link.disconnect('idle');
    }
  }

  views(): TerminalView[] {
    return [...this._views.values()];
  }

  dispose(): void {
    this._store.dispose();
    this.element.remove();
  }
}
