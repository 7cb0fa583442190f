/**
 * The console's grid: one row per attendee, one column per step (grouped by lesson), the time
 * each has left and their actions. Rows are kept per attendee and cells updated in place, so a
 * room event every second neither loses the step chosen in a jump select nor moves the focus.
 */
import type { RoomStep } from '../server/common/api.ts';
import { h } from './dom.ts';
import { rowTimeLeft, stepOptionText, type GridModel, type LessonTitles, type RowModel } from './roomModel.ts';

export type RowAction = 'reset' | 'jump' | 'extend' | 'shadow';

export interface RowActionEvent {
  action: RowAction;
  attendee: string;
  /** For 'jump': the index into RoomView.steps chosen. */
  step?: number;
}

/** Extension the Extend button asks for, minutes. */
export const EXTEND_MINUTES = 15;

interface RowParts {
  tr: HTMLTableRowElement;
  name: HTMLElement;
  badges: HTMLElement;
  time: HTMLElement;
  cells: HTMLTableCellElement[];
  jump: HTMLSelectElement;
  buttons: HTMLButtonElement[];
}

function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

function setAttr(el: HTMLElement, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

export class RoomGrid {
  readonly element: HTMLTableElement;
  private readonly _head = h('thead');
  private readonly _body = h('tbody');
  private readonly _rows = new Map<string, RowParts>();
  private _columnsKey = '';
  private _steps: RoomStep[] = [];
  private _disabled = false;

  constructor(
    private readonly _onAction: (e: RowActionEvent) => void,
    private _titles: LessonTitles = new Map(),
  ) {
    this.element = h('table', { id: 'room-grid', class: 'room-grid' }, this._head, this._body);
  }

  setTitles(titles: LessonTitles): void {
    this._titles = titles;
    this._columnsKey = '';
  }

  /** Draws `model` (from gridModel) for `steps`; `ended` disables every action. */
  update(model: GridModel, steps: RoomStep[], now: number, ended: boolean): void {
    const key = JSON.stringify([steps, [...this._titles]]);
    if (key !== this._columnsKey) {
      this._columnsKey = key;
      this._steps = steps;
      this._renderHead(model);
      for (const r of this._rows.values()) r.tr.remove();
      this._rows.clear();
    }
    const seen = new Set<string>();
    let previous: HTMLTableRowElement | undefined;
    for (const row of model.rows) {
      seen.add(row.id);
      let parts = this._rows.get(row.id);
      if (!parts) {
        parts = this._row(row);
        this._rows.set(row.id, parts);
      }
      this._fill(parts, row, now, ended);
      // Keep the server's order, moving a row only when it is out of place.
      const want = previous ? previous.nextSibling : this._body.firstChild;
      if (want !== parts.tr) this._body.insertBefore(parts.tr, want);
      previous = parts.tr;
    }
    for (const [id, parts] of this._rows) {
      if (!seen.has(id)) {
        parts.tr.remove();
        this._rows.delete(id);
      }
    }
    this._disabled = ended;
    for (const parts of this._rows.values()) {
      for (const b of parts.buttons) b.disabled = ended || b.dataset.busy === 'true';
      parts.jump.disabled = ended;
    }
    this._body.dataset.empty = String(model.rows.length === 0);
  }

  /** Marks a row's action as running (its button disabled) or done. */
  setBusy(attendee: string, action: RowAction, busy: boolean): void {
    const b = this._rows.get(attendee)?.buttons.find((x) => x.dataset.action === action);
    if (!b) return;
    b.dataset.busy = String(busy);
    b.disabled = busy || this._disabled;
  }

  /** Highlights the row being shadowed. */
  setShadowed(attendee: string | undefined): void {
    for (const [id, parts] of this._rows) parts.tr.classList.toggle('shadowed', id === attendee);
  }

  private _renderHead(model: GridModel): void {
    const groups = h(
      'tr',
      { class: 'grid-groups' },
      h('td', { class: 'sticky-left' }),
      h('td'),
      ...model.groups.map((g) => h('th', { scope: 'colgroup', colspan: g.span, 'data-lesson': g.lesson, title: g.title }, g.title)),
      h('td', { class: 'sticky-right' }),
    );
    const steps = h(
      'tr',
      { class: 'grid-steps' },
      h('th', { scope: 'col', class: 'sticky-left' }, 'Attendee'),
      h('th', { scope: 'col' }, 'Time left'),
      ...model.columns.map((c) => h('th', { scope: 'col', class: 'step-col', 'data-step': c.index, title: `${c.label} ${c.title}` }, c.label)),
      h('th', { scope: 'col', class: 'sticky-right' }, 'Actions'),
    );
    this._head.replaceChildren(groups, steps);
  }

  private _row(row: RowModel): RowParts {
    const name = h('span', { class: 'name' });
    const badges = h('span', { class: 'badges' });
    const time = h('td', { class: 'time-left', 'data-time-left': row.id });
    const cells = row.cells.map((c) => h('td', { class: 'cell', 'data-cell': c.key }));
    const jump = h(
      'select',
      { class: 'jump-select', 'data-jump-select': row.id, 'aria-label': `Step to jump ${row.name} to` },
      ...this._steps.map((s, i) => h('option', { value: i }, stepOptionText(s, this._titles))),
    );
    const current = row.cells.findIndex((c) => c.state === 'current' || c.state === 'failing');
    jump.value = String(current < 0 ? 0 : Math.min(current + 1, this._steps.length - 1));
    const button = (action: RowAction, label: string, title: string) =>
      h('button', { type: 'button', class: `btn action-${action}`, 'data-action': action, 'data-attendee': row.id, title }, label);
    const buttons = [
      button('reset', 'Reset', 'A new sandbox for this attendee (progress is kept)'),
      button('jump', 'Jump', 'Solve the steps before the chosen one with their own solutions'),
      button('extend', `+${EXTEND_MINUTES} min`, `Give this attendee ${EXTEND_MINUTES} more minutes`),
      button('shadow', 'Shadow', 'Watch this attendee’s terminal (read-only)'),
    ];
    for (const b of buttons) {
      b.addEventListener('click', () => {
        const action = b.dataset.action as RowAction;
        this._onAction({ action, attendee: row.id, step: action === 'jump' ? Number(jump.value) : undefined });
      });
    }
    const tr = h(
      'tr',
      { 'data-attendee': row.id },
      h('th', { scope: 'row', class: 'who sticky-left' }, name, badges),
      time,
      ...cells,
      h('td', { class: 'actions sticky-right' }, h('div', { class: 'action-row' }, buttons[0]!, h('span', { class: 'jump' }, jump, buttons[1]!), buttons[2]!, buttons[3]!)),
    );
    return { tr, name, badges, time, cells, jump, buttons };
  }

  private _fill(p: RowParts, row: RowModel, now: number, ended: boolean): void {
    setText(p.name, row.name);
    setAttr(p.tr, 'data-connected', String(row.connected));
    setAttr(p.tr, 'data-idle', String(row.idle));
    setAttr(p.tr, 'data-sandbox', row.sandbox);
    const badgeKey = JSON.stringify(row.badges);
    if (p.badges.dataset.key !== badgeKey) {
      p.badges.dataset.key = badgeKey;
      p.badges.replaceChildren(...row.badges.map((b) => h('span', { class: 'chip', 'data-badge': b.kind }, b.text)));
    }
    const left = rowTimeLeft(row.endsAt, now, ended);
    setText(p.time, left.text);
    setAttr(p.time, 'data-warn', left.warning);
    row.cells.forEach((c, i) => {
      const td = p.cells[i];
      if (!td) return;
      setAttr(td, 'data-state', c.state);
      setAttr(td, 'class', `cell ${c.state}`);
      setText(td, c.text);
      setAttr(td, 'title', c.title);
    });
  }
}
