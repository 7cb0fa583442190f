/**
 * #/admin/w/<id>: one workshop's room, live. GET routes.workshop first, then routes.roomEvents
 * (event 'room', the whole RoomView within a second of any change). Shows the join code and link,
 * the pool, where attendees are stuck (the heat map), the grid of attendees × steps with their
 * actions (reset, jump, extend, shadow), the broadcast box, End workshop and the CSV export.
 */
import { MAX_BROADCAST_CHARS, routes, type Broadcast, type JumpBody, type LessonSummary, type RoomAttendee, type RoomEvent, type RoomView, type WorkshopSummary } from '../server/common/api.ts';
import { DisposableStore, type Disposable } from '../server/common/lifecycle.ts';
import { api, ApiError, EventStream } from './api.ts';
import { isLoggedOut, type AdminScreen } from './adminGate.ts';
import { h } from './dom.ts';
import { EXTEND_MINUTES, RoomGrid, type RowActionEvent } from './roomGrid.ts';
import { gridModel, heatLevel, heatText, poolText, roomCountsText, STATE_TEXT, type LessonTitles } from './roomModel.ts';
import { ShadowPanel } from './shadowPanel.ts';
import { joinBox } from './workshopsScreen.ts';
import { clockTime, localDateTime } from './workshopTime.ts';

export class RoomConsole implements AdminScreen, Disposable {
  readonly element = h('section', { class: 'console', 'aria-label': 'Workshop console' }, h('p', { class: 'placeholder' }, 'Loading the room…'));
  private readonly _store = new DisposableStore();
  private _room: RoomView | undefined;
  private _titles: LessonTitles = new Map();
  private readonly _grid: RoomGrid;
  private readonly _shadow = this._store.add(new ShadowPanel());
  private readonly _title = h('h1', { class: 'console-title' });
  private readonly _state = h('span', { class: 'state-badge', id: 'workshop-state' });
  private readonly _counts = h('p', { class: 'meta', id: 'room-counts' });
  private readonly _when = h('p', { class: 'meta' });
  private readonly _join = h('div', { class: 'console-join' });
  private readonly _pool = h('span', { id: 'pool', class: 'pool', 'data-pool': '' });
  private readonly _connection = h('span', { id: 'room-connection', class: 'room-connection' });
  private readonly _status = h('p', { id: 'console-status', class: 'console-status', role: 'status', 'aria-live': 'polite' });
  private readonly _heat = h('ol', { id: 'heat-map', class: 'heat-list' });
  private readonly _endButton = h('button', { type: 'button', id: 'end-workshop', class: 'btn danger' }, 'End workshop');
  private readonly _export = h('a', { id: 'export-csv', class: 'btn', download: '' }, 'Export CSV');
  private readonly _broadcastText = h('textarea', { id: 'broadcast-text', maxlength: MAX_BROADCAST_CHARS, rows: 3, placeholder: 'A message every attendee sees at once', 'aria-describedby': 'broadcast-count' });
  private readonly _broadcastSend = h('button', { type: 'submit', id: 'broadcast-send', class: 'btn primary' }, 'Send to everyone');
  private readonly _broadcastCount = h('span', { id: 'broadcast-count', class: 'meta' });
  private readonly _sent = h('ol', { id: 'broadcasts', class: 'sent-list', reversed: true });

  constructor(
    private readonly _workshopId: string,
    private readonly _loggedOut: () => void,
  ) {
    this._grid = new RoomGrid((e) => void this._action(e));
    this.element.dataset.workshop = _workshopId;
  }

  async load(): Promise<void> {
    let room: RoomView;
    try {
      const [r, lessons] = await Promise.all([
        api<RoomView>('GET', routes.workshop.path({ workshop: this._workshopId })),
        api<LessonSummary[]>('GET', routes.lessons.path()).catch(() => [] as LessonSummary[]),
      ]);
      room = r;
      this._titles = new Map(lessons.map((l) => [l.id, l.title]));
    } catch (err) {
      if (this._store.isDisposed) return;
      if (isLoggedOut(err)) return this._loggedOut();
      this.element.replaceChildren(
        h('p', { class: 'placeholder error', role: 'alert' }, err instanceof ApiError && err.status === 404 ? `There is no workshop "${this._workshopId}".` : `The room could not load: ${err instanceof Error ? err.message : String(err)}`),
        h('p', {}, h('a', { href: '#/admin', class: 'btn' }, '← Workshops')),
      );
      return;
    }
    if (this._store.isDisposed) return;
    this._grid.setTitles(this._titles);
    this._build();
    this._apply(room);

    const events = this._store.add(
      new EventStream<RoomEvent>(routes.roomEvents.path({ workshop: this._workshopId }), ['room'], async () => {
        // The stream was refused: if the admin cookie is gone, back to the login.
        try {
          await api('GET', routes.adminSession.path());
        } catch (err) {
          if (isLoggedOut(err)) this._loggedOut();
          throw err;
        }
      }),
    );
    this._store.add(events.onEvent((e) => e.type === 'room' && this._apply(e.room)));
    const showConnection = (c: string) => {
      this._connection.dataset.connection = c;
      this._connection.textContent = c === 'open' ? '● live' : c === 'lost' ? 'Connection lost. Reconnecting…' : 'Connecting…';
    };
    showConnection(events.state);
    this._store.add(events.onConnection(showConnection));
    // Times left and minutes on a step move on between room events.
    this._store.interval(() => this._renderGrid(), 1000);
  }

  dispose(): void {
    void this._store.dispose();
    this.element.remove();
  }

  private _build(): void {
    this._endButton.addEventListener('click', () => void this._end());
    this._export.setAttribute('href', routes.exportResults.path({ workshop: this._workshopId }));
    const form = h(
      'form',
      { class: 'broadcast-form', 'aria-labelledby': 'broadcast-title' },
      h('h2', { id: 'broadcast-title' }, 'Broadcast'),
      h('label', { for: 'broadcast-text', class: 'visually-hidden' }, 'Message to every attendee'),
      this._broadcastText,
      h('div', { class: 'row' }, this._broadcastSend, this._broadcastCount, h('span', { class: 'meta' }, 'Ctrl+Enter sends')),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this._broadcast();
    });
    this._broadcastText.addEventListener('input', () => this._countBroadcast());
    this._broadcastText.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void this._broadcast();
      }
    });
    this._countBroadcast();
    this.element.replaceChildren(
      h(
        'header',
        { class: 'console-head' },
        h('div', { class: 'console-name' }, h('p', {}, h('a', { href: '#/admin' }, '← Workshops')), h('div', { class: 'title-row' }, this._title, this._state), this._counts, this._when),
        this._join,
      ),
      h('div', { class: 'console-tools' }, this._pool, this._connection, h('span', { class: 'spacer' }), this._export, this._endButton),
      this._status,
      h('section', { class: 'heat', 'aria-labelledby': 'heat-title' }, h('h2', { id: 'heat-title' }, 'Where attendees are'), this._heat),
      h('div', { class: 'grid-wrap', tabindex: 0, 'aria-label': 'Attendees and steps' }, this._grid.element),
      h('section', { class: 'broadcast-box' }, form, h('h3', {}, 'Sent'), this._sent),
      this._shadow.element,
    );
  }

  private _apply(room: RoomView): void {
    this._room = room;
    const w = room.workshop;
    document.title = `${w.title} · Console · Shiplab`;
    this.element.dataset.state = w.state;
    this._title.textContent = w.title;
    this._state.textContent = STATE_TEXT[w.state];
    this._state.dataset.state = w.state;
    this._counts.textContent = roomCountsText(room);
    this._when.textContent = `${localDateTime(w.opensAt)} – ${localDateTime(w.closesAt)} · ${w.sessionMinutes} min each` + (w.endedAt ? ` · ended ${clockTime(w.endedAt)}` : '');
    if (this._join.dataset.code !== w.code) {
      this._join.dataset.code = w.code;
      this._join.replaceChildren(joinBox(w, true));
    }
    this._pool.textContent = poolText(room.pool);
    this._endButton.disabled = w.state === 'ended';
    this._endButton.textContent = w.state === 'ended' ? 'Ended' : 'End workshop';
    this._broadcastText.disabled = w.state === 'ended';
    this._countBroadcast();
    this._renderHeat(room);
    this._renderSent(room.broadcasts);
    this._renderGrid();
  }

  private _renderGrid(): void {
    const room = this._room;
    if (!room) return;
    const now = Date.now();
    this._grid.update(gridModel(room, now, this._titles), room.steps, now, room.workshop.state === 'ended');
    this._grid.setShadowed(this._shadow.target?.attendee);
  }

  private _renderHeat(room: RoomView): void {
    const most = Math.max(1, ...room.heat.map((x) => x.on));
    const model = gridModel(room, room.at, this._titles);
    this._heat.replaceChildren(
      ...room.steps.map((s, i) => {
        const heat = room.heat[i] ?? { on: 0, medianS: 0, maxS: 0, topHints: [] };
        const col = model.columns[i]!;
        return h(
          'li',
          { 'data-heat': i, 'data-level': heatLevel(heat), 'data-on': heat.on, title: heat.topHints.map((t) => `${t.id} ×${t.count}: ${t.text}`).join('\n') || undefined },
          h('span', { class: 'heat-step' }, col.label),
          h('span', { class: 'heat-bar', 'aria-hidden': 'true' }, h('span', { style: `width:${Math.round((heat.on / most) * 100)}%` })),
          h('span', { class: 'heat-text' }, heatText(s, heat)),
        );
      }),
    );
  }

  private _renderSent(list: Broadcast[]): void {
    const key = list.map((b) => b.id).join(',');
    if (this._sent.dataset.key === key) return;
    this._sent.dataset.key = key;
    this._sent.replaceChildren(
      ...[...list].reverse().map((b) => h('li', { 'data-sent-broadcast': b.id }, h('time', {}, clockTime(b.at)), ' ', b.text)),
    );
    if (list.length === 0) this._sent.append(h('li', { class: 'meta empty' }, 'Nothing sent yet.'));
  }

  private _countBroadcast(): void {
    const n = [...this._broadcastText.value].length;
    this._broadcastCount.textContent = `${n} / ${MAX_BROADCAST_CHARS}`;
    this._broadcastSend.disabled = this._broadcastText.disabled || this._broadcastText.value.trim() === '' || n > MAX_BROADCAST_CHARS;
  }

  private _say(text: string, error = false): void {
    this._status.textContent = text;
    this._status.classList.toggle('error', error);
  }

  private _fail(what: string, err: unknown): void {
    if (isLoggedOut(err)) return this._loggedOut();
    this._say(`${what} failed: ${err instanceof Error ? err.message : String(err)}`, true);
  }

  private async _broadcast(): Promise<void> {
    const text = this._broadcastText.value.trim();
    if (!text || this._broadcastSend.disabled) return;
    this._broadcastSend.disabled = true;
    try {
      const sent = await api<Broadcast>('POST', routes.broadcast.path({ workshop: this._workshopId }), { text });
      if (this._store.isDisposed) return;
      this._broadcastText.value = '';
      if (this._room && !this._room.broadcasts.some((b) => b.id === sent.id)) {
        this._room = { ...this._room, broadcasts: [...this._room.broadcasts, sent] };
        this._renderSent(this._room.broadcasts);
      }
      this._say(`Sent to every attendee at ${clockTime(sent.at)}.`);
    } catch (err) {
      this._fail('Sending the broadcast', err);
    } finally {
      this._countBroadcast();
    }
  }

  private async _end(): Promise<void> {
    const room = this._room;
    if (!room || room.workshop.state === 'ended') return;
    if (!confirm(`End “${room.workshop.title}” for everyone now? Every attendee’s sandbox is removed; their results are kept.`)) return;
    this._endButton.disabled = true;
    try {
      const summary = await api<WorkshopSummary>('POST', routes.endWorkshop.path({ workshop: this._workshopId }));
      if (this._store.isDisposed || !this._room) return;
      this._apply({ ...this._room, workshop: summary });
      this._say('The workshop has ended. Export the results while you are here.');
    } catch (err) {
      this._endButton.disabled = false;
      this._fail('Ending the workshop', err);
    }
  }

  private async _action(e: RowActionEvent): Promise<void> {
    const room = this._room;
    const who = room?.attendees.find((a) => a.id === e.attendee);
    if (!room || !who) return;
    if (e.action === 'shadow') {
      this._shadow.open({ workshop: this._workshopId, attendee: who.id, name: who.name });
      this._grid.setShadowed(who.id);
      this._shadow.element.focus();
      return;
    }
    const params = { workshop: this._workshopId, attendee: who.id };
    let path: string;
    let body: unknown;
    let done: string;
    if (e.action === 'reset') {
      if (!confirm(`Give ${who.name} a new sandbox? What is in the old one is lost; their progress is kept.`)) return;
      path = routes.resetAttendee.path(params);
      done = `${who.name} gets a new sandbox.`;
    } else if (e.action === 'jump') {
      const step = room.steps[e.step ?? -1];
      if (!step) return;
      const label = `${this._titles.get(step.lesson) ?? step.lesson}, step ${step.step + 1} (${step.title})`;
      if (!confirm(`Bring ${who.name} to ${label}? The steps before it are solved in their sandbox with their own solutions.`)) return;
      path = routes.jumpAttendee.path(params);
      body = { lesson: step.lesson, step: step.step } satisfies JumpBody;
      done = `${who.name} is being brought to ${label}.`;
    } else {
      path = routes.extendAttendee.path(params);
      body = { minutes: EXTEND_MINUTES };
      done = `${who.name} has ${EXTEND_MINUTES} more minutes.`;
    }
    this._grid.setBusy(who.id, e.action, true);
    try {
      const updated = await api<RoomAttendee>('POST', path, body);
      if (this._store.isDisposed) return;
      if (this._room && updated && typeof updated === 'object' && 'id' in updated) {
        this._room = { ...this._room, attendees: this._room.attendees.map((a) => (a.id === updated.id ? updated : a)) };
        this._renderGrid();
      }
      this._say(done);
    } catch (err) {
      this._fail(`${e.action === 'reset' ? 'Resetting' : e.action === 'jump' ? 'Jumping' : 'Extending'} ${who.name}`, err);
    } finally {
      this._grid.setBusy(who.id, e.action, false);
    }
  }
}
