/**
 * #/admin: the instructor's workshops (GET routes.workshops), each with its state, its join code
 * large enough for a projector and its full join link with a copy button, and the form that
 * creates one (POST routes.workshops): title, lessons in order, capacity, opening and closing
 * time (local), session length and warm share.
 */
import { MAX_NAME_CHARS, routes, type LessonSummary, type WorkshopSummary } from '../server/common/api.ts';
import { DisposableStore, type Disposable } from '../server/common/lifecycle.ts';
import { api } from './api.ts';
import { isLoggedOut, type AdminScreen } from './adminGate.ts';
import { copyText, h } from './dom.ts';
import { joinLink, STATE_TEXT } from './roomModel.ts';
import { moveLesson, readWorkshopFields, toggleLesson, type WorkshopFields } from './workshopForm.ts';
import { localDateTime, toLocalInput } from './workshopTime.ts';

/** The form's defaults: opens now (to the 5 minutes), closes 3 h later, 90-minute sessions. */
const DEFAULT_OPEN_FOR_MS = 3 * 3600_000;
const DEFAULT_SESSION_MIN = 90;
const DEFAULT_CAPACITY = 20;
const DEFAULT_WARM_PERCENT = 50;

const STATE_ORDER = { open: 0, scheduled: 1, ended: 2 } as const;

/** A copy button for `text` that says whether it worked. */
export function copyButton(text: string, attrs: Record<string, string> = {}, label = 'Copy link'): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'btn copy', ...attrs }, label);
  b.addEventListener('click', () => {
    void copyText(text).then((ok) => {
      b.textContent = ok ? 'Copied' : 'Copy failed';
      setTimeout(() => (b.textContent = label), 1500);
    });
  });
  return b;
}

/** The join code and link of a workshop, as the projector shows them. */
export function joinBox(w: WorkshopSummary, ids: boolean): HTMLElement {
  const link = joinLink(location.origin, w.joinPath);
  return h(
    'div',
    { class: 'join-box' },
    h('span', { class: 'join-code', id: ids ? 'join-code' : undefined, 'data-code': w.code, 'aria-label': `Join code ${w.code.split('').join(' ')}` }, w.code),
    h('a', { class: 'join-link', id: ids ? 'join-link' : undefined, href: link, target: '_blank', rel: 'noopener' }, link),
    copyButton(link, ids ? { id: 'copy-join-link' } : { 'data-copy': w.id }),
  );
}

export class WorkshopsScreen implements AdminScreen, Disposable {
  readonly element = h('section', { class: 'workshops', 'aria-label': 'Workshops' }, h('p', { class: 'placeholder' }, 'Loading…'));
  private readonly _store = new DisposableStore();
  private readonly _list = h('div', { class: 'workshop-list' });
  private readonly _created = h('div', { class: 'created', id: 'workshop-created', hidden: true });
  private _lessons: LessonSummary[] = [];

  constructor(private readonly _loggedOut: () => void) {}

  async load(): Promise<void> {
    document.title = 'Workshops · Shiplab';
    let workshops: WorkshopSummary[];
    try {
      [workshops, this._lessons] = await Promise.all([
        api<WorkshopSummary[]>('GET', routes.workshops.path()),
        api<LessonSummary[]>('GET', routes.lessons.path()),
      ]);
    } catch (err) {
      if (this._store.isDisposed) return;
      if (isLoggedOut(err)) return this._loggedOut();
      this.element.replaceChildren(h('p', { class: 'placeholder error', role: 'alert' }, `The workshops could not load: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    if (this._store.isDisposed) return;
    this._renderList(workshops);
    this.element.replaceChildren(h('h1', {}, 'Workshops'), this._created, this._list, this._form());
  }

  dispose(): void {
    void this._store.dispose();
    this.element.remove();
  }

  private async _reload(): Promise<void> {
    try {
      this._renderList(await api<WorkshopSummary[]>('GET', routes.workshops.path()));
    } catch (err) {
      if (isLoggedOut(err)) this._loggedOut();
    }
  }

  private _renderList(workshops: WorkshopSummary[]): void {
    if (workshops.length === 0) {
      this._list.replaceChildren(h('p', { class: 'placeholder' }, 'No workshops yet. Create one below.'));
      return;
    }
    const sorted = [...workshops].sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || b.opensAt - a.opensAt);
    const titles = new Map(this._lessons.map((l) => [l.id, l.title]));
    const table = h(
      'table',
      { id: 'workshops', class: 'workshops-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Workshop'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Join'), h('th', { scope: 'col' }, 'Attendees'), h('th', { scope: 'col' }, 'When'))),
      h(
        'tbody',
        {},
        ...sorted.map((w) =>
          h(
            'tr',
            { 'data-workshop': w.id, 'data-state': w.state },
            h(
              'td',
              {},
              h('a', { class: 'workshop-title', href: `#/admin/w/${encodeURIComponent(w.id)}` }, w.title),
              h('div', { class: 'meta' }, w.lessons.map((l) => titles.get(l) ?? l).join(' → ')),
            ),
            h('td', {}, h('span', { class: 'state-badge', 'data-state': w.state }, STATE_TEXT[w.state])),
            h('td', {}, joinBox(w, false)),
            h('td', { class: 'num' }, `${w.attendees} / ${w.capacity}`),
            h(
              'td',
              { class: 'meta' },
              `${localDateTime(w.opensAt)} – ${localDateTime(w.closesAt)}`,
              h('br'),
              `${w.sessionMinutes} min each · ${Math.round(w.poolShare * 100)} % warm`,
            ),
          ),
        ),
      ),
    );
    this._list.replaceChildren(table);
  }

  private _form(): HTMLElement {
    let order: string[] = [];
    const now = Date.now();
    const opens = Math.floor(now / 300_000) * 300_000;
    const field = (id: string, label: string, input: HTMLElement, help?: string) =>
      h('div', { class: 'field' }, h('label', { for: id }, label), input, help ? h('span', { class: 'meta' }, help) : undefined);
    const title = h('input', { id: 'ws-title', type: 'text', required: true, maxlength: 120, autocomplete: 'off' });
    const capacity = h('input', { id: 'ws-capacity', type: 'number', min: 1, step: 1, value: DEFAULT_CAPACITY, required: true });
    const opensAt = h('input', { id: 'ws-opens', type: 'datetime-local', value: toLocalInput(opens), required: true });
    const closesAt = h('input', { id: 'ws-closes', type: 'datetime-local', value: toLocalInput(opens + DEFAULT_OPEN_FOR_MS), required: true });
    const minutes = h('input', { id: 'ws-minutes', type: 'number', min: 1, step: 1, value: DEFAULT_SESSION_MIN, required: true });
    const warm = h('input', { id: 'ws-warm', type: 'number', min: 0, max: 100, step: 1, value: DEFAULT_WARM_PERCENT, required: true });
    const error = h('p', { id: 'ws-error', class: 'form-error', role: 'alert' });
    const submit = h('button', { type: 'submit', id: 'ws-create', class: 'btn primary big' }, 'Create workshop');

    // Lessons: tick them in the order they are taken; the ordered list beside can move them.
    const choices = h('ul', { class: 'lesson-choices' });
    const orderList = h('ol', { id: 'ws-order', class: 'lesson-order', 'aria-label': 'Chosen lessons, in order' });
    const titles = new Map(this._lessons.map((l) => [l.id, l.title]));
    const boxes = new Map<string, HTMLInputElement>();
    const renderOrder = () => {
      for (const [id, box] of boxes) box.checked = order.includes(id);
      orderList.replaceChildren(
        ...order.map((id, i) =>
          h(
            'li',
            { 'data-order-lesson': id },
            h('span', { class: 'order-title' }, titles.get(id) ?? id),
            h('button', { type: 'button', class: 'btn', 'aria-label': `Move ${titles.get(id) ?? id} up`, disabled: i === 0, onclick: () => ((order = moveLesson(order, i, -1)), renderOrder()) }, '↑'),
            h('button', { type: 'button', class: 'btn', 'aria-label': `Move ${titles.get(id) ?? id} down`, disabled: i === order.length - 1, onclick: () => ((order = moveLesson(order, i, 1)), renderOrder()) }, '↓'),
          ),
        ),
      );
      if (order.length === 0) orderList.append(h('li', { class: 'meta empty' }, 'Tick lessons on the left, in the order attendees take them.'));
    };
    for (const l of [...this._lessons].sort((a, b) => a.order - b.order)) {
      const box = h('input', { type: 'checkbox', 'data-lesson-choice': l.id, disabled: l.error !== undefined });
      box.addEventListener('change', () => {
        order = toggleLesson(order, l.id);
        renderOrder();
      });
      boxes.set(l.id, box);
      choices.append(h('li', {}, h('label', {}, box, ' ', l.title, ' ', h('span', { class: 'meta' }, `${l.steps} steps · ${l.minutes} min`))));
    }
    renderOrder();

    const form = h(
      'form',
      { class: 'workshop-form', id: 'workshop-form', 'aria-labelledby': 'ws-form-title', novalidate: true },
      h('h2', { id: 'ws-form-title' }, 'New workshop'),
      field('ws-title', 'Title', title),
      h('fieldset', { id: 'ws-lessons', class: 'lesson-picker' }, h('legend', {}, 'Lessons, in order'), choices, orderList),
      h(
        'div',
        { class: 'field-row' },
        field('ws-capacity', 'Capacity', capacity, 'attendees at most'),
        field('ws-minutes', 'Session length', minutes, 'minutes per attendee'),
        field('ws-warm', 'Warm share', warm, '% of capacity started before anyone joins'),
      ),
      h('div', { class: 'field-row' }, field('ws-opens', 'Opens', opensAt), field('ws-closes', 'Closes', closesAt)),
      h('div', { class: 'row' }, submit),
      error,
    );
    const inputs: Record<keyof WorkshopFields, HTMLElement> = {
      title,
      lessons: choices,
      capacity,
      opensAt,
      closesAt,
      sessionMinutes: minutes,
      warmPercent: warm,
    };
    // A field marked wrong is unmarked as soon as it is changed.
    form.addEventListener('input', (e) => {
      for (const el of Object.values(inputs)) if (el === e.target || el.contains(e.target as Node)) el.removeAttribute('aria-invalid');
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void (async () => {
        for (const el of Object.values(inputs)) el.removeAttribute('aria-invalid');
        const read = readWorkshopFields({
          title: title.value,
          lessons: order,
          capacity: capacity.value,
          opensAt: opensAt.value,
          closesAt: closesAt.value,
          sessionMinutes: minutes.value,
          warmPercent: warm.value,
        });
        if (!read.ok) {
          error.textContent = read.error;
          const bad = inputs[read.field];
          bad.setAttribute('aria-invalid', 'true');
          (bad instanceof HTMLInputElement ? bad : bad.querySelector('input'))?.focus();
          return;
        }
        submit.disabled = true;
        error.textContent = '';
        try {
          const created = await api<WorkshopSummary>('POST', routes.workshops.path(), read.input);
          if (this._store.isDisposed) return;
          this._showCreated(created);
          title.value = '';
          order = [];
          renderOrder();
          await this._reload();
        } catch (err) {
          if (isLoggedOut(err)) return this._loggedOut();
          error.textContent = `The workshop was not created: ${err instanceof Error ? err.message : String(err)}`;
        } finally {
          submit.disabled = false;
        }
      })();
    });
    return form;
  }

  private _showCreated(w: WorkshopSummary): void {
    this._created.hidden = false;
    this._created.dataset.workshop = w.id;
    this._created.replaceChildren(
      h('h2', {}, `Created: ${w.title}`),
      h('p', { class: 'meta' }, `Attendees join with this code or link (names up to ${MAX_NAME_CHARS} characters).`),
      joinBox(w, true),
      h('p', {}, h('a', { class: 'btn primary', href: `#/admin/w/${encodeURIComponent(w.id)}` }, 'Open its console →')),
    );
    this._created.scrollIntoView({ block: 'nearest' });
  }
}
