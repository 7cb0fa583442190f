/**
 * The attendee's banner under the top bar, on the lesson list and in the lab: the workshop's
 * title, the time left (to attendee.endsAt, every second), a warning at 10 and at 2 minutes, the
 * instructor's broadcasts (a toast as one arrives, the latest in the bar, all in a list) and the
 * ended state. Hidden for anyone who is no attendee.
 */
import type { Broadcast } from '../server/common/api.ts';
import { DisposableStore, type Disposable } from '../server/common/lifecycle.ts';
import type { AttendeeWorkshop } from './attendee.ts';
import { h } from './dom.ts';
import { Toasts } from './toast.ts';
import { clockTime, moreUrgent, timeLeftText, timeWarning, warningText, type TimeWarning } from './workshopTime.ts';

/** Screens that show the banner (document.body.dataset.screen). */
const LEARNER_SCREENS = new Set(['list', 'lab']);

export class WorkshopBanner implements Disposable {
  readonly element: HTMLElement;
  readonly toasts = new Toasts();
  private readonly _store = new DisposableStore();
  private readonly _title = h('strong', { class: 'wb-title' });
  private readonly _time = h('span', { id: 'time-left', class: 'wb-time', role: 'timer', 'aria-label': 'Time left' });
  private readonly _warning = h('span', { class: 'wb-warning', role: 'alert' });
  private readonly _latest = h('span', { class: 'wb-latest' });
  private readonly _count = h('span', { class: 'wb-count' });
  private readonly _list = h('ol', { class: 'wb-list', reversed: true });
  private readonly _messages: HTMLDetailsElement;
  private _screen = '';
  private _warned: TimeWarning = 'none';
  private _warnedFor: string | undefined;

  constructor(private readonly _attendee: AttendeeWorkshop) {
    this._messages = h('details', { class: 'wb-messages' }, h('summary', {}, 'Messages ', this._count), this._list);
    this.element = h(
      'div',
      { id: 'workshop-banner', class: 'workshop-banner', role: 'region', 'aria-label': 'Workshop', hidden: true },
      this._title,
      this._time,
      this._warning,
      this._latest,
      this._messages,
    );
    this._store.add(this.toasts);
    this._store.add(_attendee.onChange(() => this.render()));
    this._store.add(_attendee.onBroadcast((b) => this._toastBroadcast(b)));
    this._store.interval(() => this._tick(), 1000);
    this.render();
  }

  /** The page moved to `screen`; the banner shows on learner screens only. */
  setScreen(screen: string): void {
    this._screen = screen;
    this.render();
  }

  render(): void {
    const info = this._attendee.info;
    const show = info !== undefined && LEARNER_SCREENS.has(this._screen);
    this.element.hidden = !show;
    document.body.classList.toggle('has-banner', show);
    if (!info) return;
    this._title.textContent = info.workshop.title;
    this._renderBroadcasts(info.broadcasts);
    this._tick();
  }

  dispose(): void {
    void this._store.dispose();
    document.body.classList.remove('has-banner');
    this.element.remove();
  }

  private _renderBroadcasts(list: Broadcast[]): void {
    const latest = list[list.length - 1];
    this._latest.hidden = !latest;
    this._latest.replaceChildren(...(latest ? [h('span', { class: 'wb-latest-label' }, 'Instructor: '), latest.text] : []));
    this._latest.title = latest?.text ?? '';
    this._messages.hidden = list.length === 0;
    this._count.textContent = `(${list.length})`;
    this._list.replaceChildren(
      ...[...list].reverse().map((b) => h('li', { 'data-broadcast': b.id }, h('time', { datetime: new Date(b.at).toISOString() }, clockTime(b.at)), ' ', b.text)),
    );
  }

  private _toastBroadcast(b: Broadcast): void {
    this.toasts.show('broadcast', h('strong', {}, 'From your instructor'), h('p', {}, b.text));
  }

  private _tick(): void {
    const info = this._attendee.info;
    if (!info) return;
    const ended = info.workshop.state === 'ended';
    const left = info.attendee.endsAt - Date.now();
    const warning: TimeWarning = ended ? 'over' : timeWarning(left);
    this.element.dataset.state = ended ? 'ended' : 'open';
    this.element.dataset.warn = warning;
    this._time.textContent = ended ? 'ended' : timeLeftText(left);
    const text = ended ? 'This workshop has ended. Thank you for taking part!' : warningText(warning);
    // Set only on a change: role=alert announces every change.
    if (this._warning.textContent !== (text ?? '')) this._warning.textContent = text ?? '';
    this._warning.hidden = !text;
    // A toast once per warning, per attendee (an extension may bring the same warning back later).
    const who = info.attendee.id;
    if (this._warnedFor !== who) {
      this._warnedFor = who;
      this._warned = warning;
      return;
    }
    if (moreUrgent(this._warned, warning) && text && LEARNER_SCREENS.has(this._screen)) this.toasts.show(`time-${warning}`, h('strong', {}, text));
    this._warned = warning;
  }
}
