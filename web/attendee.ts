/** What this page knows of the visitor's workshop, when they are an attendee: GET
 * routes.myWorkshop once, then the learner's stream ({ type: 'broadcast' } and { type: 'workshop' }),
 * and again after the stream reconnects (what it missed meanwhile). */
import { routes, type AttendeeInfo, type Broadcast } from '../server/common/api.ts';
import { DisposableStore, Emitter, type Disposable } from '../server/common/lifecycle.ts';
import { api, ApiError, type ServerEvents } from './api.ts';
import { mergeBroadcasts } from './joinModel.ts';

export class AttendeeWorkshop implements Disposable {
  private readonly _store = new DisposableStore();
  private readonly _onChange = this._store.add(new Emitter<AttendeeInfo | undefined>());
  private readonly _onBroadcast = this._store.add(new Emitter<Broadcast>());
  /** The info changed (or the visitor stopped being an attendee: undefined). */
  readonly onChange = this._onChange.event;
  /** A broadcast arrived live (not one loaded with the page). */
  readonly onBroadcast = this._onBroadcast.event;
  private _info: AttendeeInfo | undefined;

  constructor(events: ServerEvents) {
    this._store.add(
      events.onEvent((e) => {
        if (e.type === 'workshop') {
          this.set({ ...e.info, broadcasts: mergeBroadcasts(this._held(e.info.workshop.id), e.info.broadcasts) });
        } else if (e.type === 'broadcast' && this._info) {
          if (this._info.broadcasts.some((b) => b.id === e.broadcast.id)) return;
          this.set({ ...this._info, broadcasts: mergeBroadcasts(this._info.broadcasts, [e.broadcast]) });
          this._onBroadcast.fire(e.broadcast);
        }
      }),
    );
    let first = true;
    this._store.add(
      events.onConnection((c) => {
        // The first open is the page loading (refresh() runs then anyway); later ones are reconnects.
        if (c !== 'open') return;
        if (first) first = false;
        else void this.refresh().catch(() => undefined);
      }),
    );
  }

  get info(): AttendeeInfo | undefined {
    return this._info;
  }

  /** Asks the server; 404 means no attendee. Other failures throw and keep what is known. */
  async refresh(): Promise<AttendeeInfo | undefined> {
    try {
      const info = await api<AttendeeInfo>('GET', routes.myWorkshop.path());
      this.set({ ...info, broadcasts: mergeBroadcasts(this._held(info.workshop.id), info.broadcasts) });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
      this.set(undefined);
    }
    return this._info;
  }

  set(info: AttendeeInfo | undefined): void {
    this._info = info;
    this._onChange.fire(info);
  }

  /** The broadcasts held for `workshop` (none when the page knew another one). */
  private _held(workshop: string): Broadcast[] {
    return this._info?.workshop.id === workshop ? this._info.broadcasts : [];
  }

  dispose(): void {
    void this._store.dispose();
  }
}
