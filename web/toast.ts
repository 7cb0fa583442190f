/** Short messages in a corner that go away by themselves (or on a click): a broadcast arriving,
 * the time running out. One region for the page, announced politely to screen readers. */
import { h } from './dom.ts';
import type { Disposable } from '../server/common/lifecycle.ts';

const SHOW_MS = 12_000;

export class Toasts implements Disposable {
  readonly element = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
  private readonly _timers = new Set<ReturnType<typeof setTimeout>>();

  /** Shows `body`; `kind` is for styles and tests (data-toast). */
  show(kind: string, ...body: (Node | string)[]): HTMLElement {
    const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss' }, '×');
    const toast = h('div', { class: `toast toast-${kind}`, 'data-toast': kind }, h('div', { class: 'toast-body' }, ...body), close);
    const remove = () => {
      clearTimeout(timer);
      this._timers.delete(timer);
      toast.remove();
    };
    const timer = setTimeout(remove, SHOW_MS);
    this._timers.add(timer);
    close.addEventListener('click', remove);
    this.element.append(toast);
    return toast;
  }

  dispose(): void {
    for (const t of this._timers) clearTimeout(t);
    this._timers.clear();
    this.element.remove();
  }
}
