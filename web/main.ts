/** The page's entry: a session, the event stream, and a hash router between the lesson list
 * (#/) and a lab (#/lesson/<id>). */
import '@xterm/xterm/css/xterm.css';
import './styles.css';
import { routes, type SessionInfo } from '../server/common/api.ts';
import { api, ServerEvents } from './api.ts';
import { h } from './dom.ts';
import type { Disposable } from '../server/common/lifecycle.ts';
import { LabView } from './labView.ts';
import { LessonList } from './lessonList.ts';

const app = document.getElementById('app')!;
let current: Disposable | undefined;

async function route(events: ServerEvents): Promise<void> {
  current?.dispose();
  const m = /^#\/lesson\/([^/]+)$/.exec(location.hash);
  document.body.dataset.screen = m ? 'lab' : 'list';
  if (m) {
    const view = new LabView(decodeURIComponent(m[1]!), events);
    current = view;
    app.replaceChildren(view.element);
    await view.load();
  } else {
    const view = new LessonList();
    current = view;
    app.replaceChildren(view.element);
    await view.load();
  }
}

async function main(): Promise<void> {
  const session = () => api<SessionInfo>('POST', routes.session.path());
  try {
    await session();
  } catch (err) {
    app.replaceChildren(h('p', { class: 'placeholder' }, `The server is not answering (${String(err)}). Reload to try again.`));
    return;
  }
  // After a server restart the stream re-creates the session first if the cookie was lost.
  const events = new ServerEvents(async () => void (await session()));
  window.addEventListener('hashchange', () => void route(events).catch(showError));
  await route(events).catch(showError);
}

function showError(err: unknown): void {
  console.error(err);
  app.append(h('p', { class: 'placeholder error', role: 'alert' }, `Something went wrong: ${err instanceof Error ? err.message : String(err)}`));
}

void main();
