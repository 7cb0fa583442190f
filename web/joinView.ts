/**
 * Joining a workshop: #/join (a field for the code) and #/join/<code> (the workshop's title and
 * a name field). Each state has its own words: not open yet (with the local opening time), full,
 * ended, wrong code. Joining (POST routes.join) replaces the session cookie on the server, so the
 * learner stream is reopened for the new session before the page moves to the first lesson. A
 * visitor who already is an attendee goes straight on.
 */
import { MAX_NAME_CHARS, routes, type AttendeeInfo, type JoinInfo, type LessonSummary, type Progress } from '../server/common/api.ts';
import { DisposableStore, type Disposable } from '../server/common/lifecycle.ts';
import { api, ApiError, type ServerEvents } from './api.ts';
import type { AttendeeWorkshop } from './attendee.ts';
import { h } from './dom.ts';
import { codeError, joinStateText, lessonToTake, nameError, normalizeCode, wrongCodeText } from './joinModel.ts';

export interface JoinDeps {
  attendee: AttendeeWorkshop;
  events: ServerEvents;
}

/** A not-open workshop is asked again this long after it opens (clocks differ a little). */
const OPEN_SLACK_MS = 1_500;
/** setTimeout's longest delay; a workshop opening later than this is not waited for. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class JoinView implements Disposable {
  readonly element = h('section', { class: 'join', 'aria-label': 'Join a workshop' });
  private readonly _store = new DisposableStore();

  constructor(
    private readonly _code: string | undefined,
    private readonly _deps: JoinDeps,
  ) {
    this.element.append(h('p', { class: 'placeholder' }, 'Loading…'));
  }

  async load(): Promise<void> {
    document.title = 'Join a workshop · Shiplab';
    const mine = await this._deps.attendee.refresh().catch(() => this._deps.attendee.info);
    if (this._store.isDisposed) return;
    if (mine && mine.workshop.state !== 'ended') {
      await this._goOn(mine);
      return;
    }
    if (this._code === undefined || this._code.trim() === '') {
      this._codeForm();
      return;
    }
    await this._showCode(normalizeCode(this._code));
  }

  dispose(): void {
    void this._store.dispose();
    this.element.remove();
  }

  private async _showCode(code: string): Promise<void> {
    const invalid = codeError(code);
    if (invalid) {
      this._codeForm(code, invalid);
      return;
    }
    let info: JoinInfo;
    try {
      info = await api<JoinInfo>('GET', routes.joinInfo.path({ code }));
    } catch (err) {
      if (this._store.isDisposed) return;
      if (err instanceof ApiError && err.status === 404) this._codeForm(code, wrongCodeText(code), 'wrong-code');
      else this._render('error', 'The workshop could not load', `${err instanceof Error ? err.message : String(err)}. Reload to try again.`);
      return;
    }
    if (this._store.isDisposed) return;
    const words = joinStateText(info);
    if (!words.canJoin) {
      this._render(info.state, words.heading, words.text);
      if (info.state === 'not-open') {
        const wait = info.opensAt - Date.now() + OPEN_SLACK_MS;
        if (wait < MAX_TIMEOUT_MS) this._store.timeout(() => void this._showCode(code), Math.max(OPEN_SLACK_MS, wait));
      }
      return;
    }
    this._nameForm(info, words.text);
  }

  private _render(state: string, heading: string, text: string, ...more: Node[]): void {
    this.element.dataset.joinState = state;
    this.element.replaceChildren(h('div', { class: 'join-card' }, h('h1', {}, heading), text ? h('p', { class: 'join-text' }, text) : undefined, ...more));
  }

  private _codeForm(value = '', error?: string, state = 'code'): void {
    const input = h('input', {
      id: 'join-code-input',
      name: 'code',
      type: 'text',
      autocomplete: 'off',
      autocapitalize: 'characters',
      spellcheck: 'false',
      placeholder: 'ABCD-EFGH',
      required: true,
      'aria-describedby': 'join-error',
    });
    input.value = value;
    // A wrong code is the page's subject (its text); a code that cannot be one is an input error.
    const wrong = state === 'wrong-code';
    const err = h('p', { id: 'join-error', class: 'join-error', role: 'alert' }, wrong ? '' : error ?? '');
    const form = h(
      'form',
      { class: 'join-form' },
      h('label', { for: 'join-code-input' }, 'Join code'),
      input,
      h('button', { type: 'submit', id: 'join-code-go', class: 'btn primary big' }, 'Continue'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const bad = codeError(input.value);
      if (bad) {
        err.textContent = bad;
        input.focus();
        return;
      }
      location.hash = `#/join/${encodeURIComponent(normalizeCode(input.value))}`;
    });
    this._render(state, wrong ? 'Wrong code' : 'Join a workshop', wrong ? (error ?? '') : 'Type the code your instructor shows, like ABCD-EFGH.', form, err);
    input.focus();
  }

  private _nameForm(info: JoinInfo, text: string): void {
    const input = h('input', {
      id: 'join-name',
      name: 'name',
      type: 'text',
      autocomplete: 'nickname',
      maxlength: MAX_NAME_CHARS,
      required: true,
      'aria-describedby': 'join-error',
    });
    const button = h('button', { type: 'submit', id: 'join-submit', class: 'btn primary big' }, 'Join');
    const err = h('p', { id: 'join-error', class: 'join-error', role: 'alert' });
    const form = h('form', { class: 'join-form' }, h('label', { for: 'join-name' }, 'Your name'), input, button);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this._join(info, input, button, err);
    });
    this._render('open', info.title, text, h('p', { class: 'join-code-shown' }, 'Code ', h('code', {}, info.code)), form, err);
    input.focus();
  }

  private async _join(info: JoinInfo, input: HTMLInputElement, button: HTMLButtonElement, err: HTMLElement): Promise<void> {
    const bad = nameError(input.value);
    if (bad) {
      err.textContent = bad;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    button.disabled = true;
    button.textContent = 'Joining…';
    err.textContent = '';
    try {
      const joined = await api<AttendeeInfo>('POST', routes.join.path(), { code: info.code, name: input.value.trim() });
      if (this._store.isDisposed) return;
      // The cookie now names the attendee: the stream must be theirs (broadcasts, their sandbox).
      this._deps.events.reopen();
      this._deps.attendee.set(joined);
      await this._goOn(joined);
    } catch (e) {
      if (this._store.isDisposed) return;
      err.textContent = e instanceof ApiError ? e.message : `Joining failed: ${e instanceof Error ? e.message : String(e)}`;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      button.disabled = false;
      button.textContent = 'Join';
    }
  }

  /** On to the workshop's first lesson not finished (the first, for someone new). */
  private async _goOn(info: AttendeeInfo): Promise<void> {
    const [lessons, progress] = await Promise.all([
      api<LessonSummary[]>('GET', routes.lessons.path()).catch(() => [] as LessonSummary[]),
      api<Progress>('GET', routes.progress.path()).catch(() => ({}) as Progress),
    ]);
    if (this._store.isDisposed) return;
    const lesson = lessonToTake(info.workshop.lessons, progress, lessons);
    location.replace(lesson === undefined ? '#/' : `#/lesson/${encodeURIComponent(lesson)}`);
  }
}
