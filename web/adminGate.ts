/**
 * The instructor's door: #/admin and #/admin/w/<id> show their screen only behind the admin
 * cookie. GET routes.adminSession says whether it is there; if not, a form takes the admin token
 * (POST routes.adminLogin). A screen that hears 401 later (the cookie expired) comes back here.
 */
import { routes } from '../server/common/api.ts';
import { DisposableStore, type Disposable } from '../server/common/lifecycle.ts';
import { api, ApiError } from './api.ts';
import { h } from './dom.ts';

/** What the gate shows once the instructor is in. */
export interface AdminScreen extends Disposable {
  readonly element: HTMLElement;
  load(): Promise<void>;
}

/** Makes the screen; `loggedOut` is for a screen whose requests start answering 401. */
export type AdminScreenFactory = (loggedOut: () => void) => AdminScreen;

/** True when `err` is the server saying the admin cookie is missing or no longer valid. */
export function isLoggedOut(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401;
}

export class AdminGate implements Disposable {
  readonly element = h('div', { class: 'admin' });
  private readonly _store = new DisposableStore();
  private _screen: AdminScreen | undefined;

  constructor(private readonly _factory: AdminScreenFactory) {}

  async load(): Promise<void> {
    document.title = 'Instructor · Shiplab';
    try {
      await api('GET', routes.adminSession.path());
    } catch (err) {
      if (this._store.isDisposed) return;
      if (isLoggedOut(err)) this._login();
      else this.element.replaceChildren(h('p', { class: 'placeholder error', role: 'alert' }, `The server could not say whether you are logged in: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    if (this._store.isDisposed) return;
    await this._enter();
  }

  dispose(): void {
    void this._screen?.dispose();
    void this._store.dispose();
    this.element.remove();
  }

  private async _enter(): Promise<void> {
    void this._screen?.dispose();
    const screen = (this._screen = this._factory(() => {
      if (this._screen !== screen) return;
      void screen.dispose();
      this._screen = undefined;
      this._login('Your admin session ended. Log in again.');
    }));
    const logout = h('button', { type: 'button', id: 'admin-logout', class: 'btn', onclick: () => void this._logout() }, 'Log out');
    const bar = h('nav', { class: 'admin-bar', 'aria-label': 'Instructor' }, h('strong', {}, 'Instructor console'), h('a', { href: '#/admin' }, 'Workshops'), logout);
    this.element.replaceChildren(bar, screen.element);
    await screen.load();
  }

  private async _logout(): Promise<void> {
    await api('POST', routes.adminSession.path()).catch(() => undefined);
    if (this._store.isDisposed) return;
    void this._screen?.dispose();
    this._screen = undefined;
    this._login('Logged out.');
  }

  private _login(notice?: string): void {
    const token = h('input', { id: 'admin-token', name: 'token', type: 'password', autocomplete: 'current-password', required: true, spellcheck: 'false', 'aria-describedby': 'admin-error' });
    const button = h('button', { type: 'submit', id: 'admin-login', class: 'btn primary big' }, 'Log in');
    const error = h('p', { id: 'admin-error', class: 'form-error', role: 'alert' });
    const form = h(
      'form',
      { class: 'admin-login', 'aria-labelledby': 'admin-login-title' },
      h('h1', { id: 'admin-login-title' }, 'Instructor login'),
      notice ? h('p', { class: 'notice' }, notice) : undefined,
      h('label', { for: 'admin-token' }, 'Admin token'),
      h('div', { class: 'row' }, token, button),
      h('p', { class: 'meta' }, 'The token is the lab’s SHIPLAB_ADMIN_TOKEN (or workshops.adminToken in its configuration).'),
      error,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void (async () => {
        if (!token.value.trim()) {
          error.textContent = 'Enter the admin token.';
          token.focus();
          return;
        }
        button.disabled = true;
        error.textContent = '';
        try {
          await api('POST', routes.adminLogin.path(), { token: token.value.trim() });
        } catch (err) {
          if (this._store.isDisposed) return;
          button.disabled = false;
          error.textContent = isLoggedOut(err)
            ? 'That admin token is not right. Check it and try again.'
            : `Logging in failed: ${err instanceof Error ? err.message : String(err)}`;
          token.setAttribute('aria-invalid', 'true');
          token.select();
          return;
        }
        if (this._store.isDisposed) return;
        await this._enter();
      })();
    });
    this.element.replaceChildren(form);
    token.focus();
  }
}
