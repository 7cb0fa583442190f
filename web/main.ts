/** The page's entry: a session, the event stream, the attendee's workshop banner, and a hash
 * router between the lesson list (#/), a lab (#/lesson/<id>), joining a workshop (#/join,
 * #/join/<code>) and the instructor's console (#/admin, #/admin/w/<id>). */
import '@xterm/xterm/css/xterm.css';
import './styles.css';
import './workshop.css';
import { routes, type SessionInfo } from '../server/common/api.ts';
import { api, ServerEvents } from './api.ts';
import { AdminGate } from './adminGate.ts';
import { AttendeeWorkshop } from './attendee.ts';
import { h } from './dom.ts';
import type { Disposable } from '../server/common/lifecycle.ts';
import { JoinView } from './joinView.ts';
import { LabView } from './labView.ts';
import { LessonList } from './lessonList.ts';
import { RoomConsole } from './roomConsole.ts';
import { WorkshopBanner } from './workshopBanner.ts';
import { WorkshopsScreen } from './workshopsScreen.ts';

const app = document.getElementById('app')!;
let current: Disposable | undefined;

/** What a route shows: a view that loads itself into its element. */
interface Screen extends Disposable {
  readonly element: HTMLElement;
  load(): Promise<void>;
}

interface Page {
  events: ServerEvents;
  attendee: AttendeeWorkshop;
  banner: WorkshopBanner;
}

/** A path segment from the hash, decoded (a malformed escape is taken as typed). */
function param(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function screenFor(hash: string, page: Page): { name: string; view: Screen } {
  let m: RegExpExecArray | null;
  if ((m = /^#\/lesson\/([^/]+)$/.exec(hash))) return { name: 'lab', view: new LabView(param(m[1]!), page.events) };
  if ((m = /^#\/join(?:\/([^/]*))?\/?$/.exec(hash))) return { name: 'join', view: new JoinView(m[1] ? param(m[1]) : undefined, page) };
  if ((m = /^#\/admin\/w\/([^/]+)$/.exec(hash))) {
    const id = param(m[1]!);
    return { name: 'admin', view: new AdminGate((loggedOut) => new RoomConsole(id, loggedOut)) };
  }
  if (/^#\/admin\/?$/.test(hash)) return { name: 'admin', view: new AdminGate((loggedOut) => new WorkshopsScreen(loggedOut)) };
  return { name: 'list', view: new LessonList(page.attendee.info) };
}

async function route(page: Page): Promise<void> {
  current?.dispose();
  const { name, view } = screenFor(location.hash, page);
  document.body.dataset.screen = name;
  page.banner.setScreen(name);
  current = view;
  app.replaceChildren(view.element);
  await view.load();
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
  const attendee = new AttendeeWorkshop(events);
  const banner = new WorkshopBanner(attendee);
  document.querySelector('.topbar')?.after(banner.element);
  document.body.append(banner.toasts.element);
  // Whether this visitor is an attendee decides the banner and the lesson order: ask first.
  await attendee.refresh().catch((err) => console.warn('the workshop could not load', err));
  const page: Page = { events, attendee, banner };
  window.addEventListener('hashchange', () => void route(page).catch(showError));
  await route(page).catch(showError);
}

function showError(err: unknown): void {
  console.error(err);
  app.append(h('p', { class: 'placeholder error', role: 'alert' }, `Something went wrong: ${err instanceof Error ? err.message : String(err)}`));
}

void main();
