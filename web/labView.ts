/** The lab screen: status line, lesson pane and terminal area, wired to the API and events. */
import { NODE_NAMES, routes, type CheckResult, type LessonView, type Progress, type SandboxStatus } from '../server/common/api.ts';
import { api, ApiError, type ServerEvents } from './api.ts';
import { formatWait, h } from './dom.ts';
import { DisposableStore, toDisposable, type Disposable } from '../server/common/lifecycle.ts';
import { LessonPane } from './lessonPane.ts';
import { StatusBar } from './statusBar.ts';
import { TerminalArea } from './terminalArea.ts';

/** What tests and the bench may reach from outside the page's modules. */
export interface LabHooks {
  terminals: TerminalArea;
}
declare global {
  interface Window {
    __shiplab?: LabHooks;
  }
}

export class LabView implements Disposable {
  readonly element: HTMLElement;
  private readonly _store = new DisposableStore();

  constructor(
    private readonly _lessonId: string,
    private readonly _events: ServerEvents,
  ) {
    this.element = h('div', { class: 'lab loading' }, h('p', { class: 'placeholder' }, 'Loading the lesson…'));
  }

  async load(): Promise<void> {
    let lesson: LessonView;
    try {
      lesson = await api<LessonView>('GET', routes.lesson.path({ lesson: this._lessonId }));
    } catch (err) {
      this.element.replaceChildren(
        h('p', { class: 'placeholder' }, err instanceof ApiError && err.status === 404 ? `There is no lesson "${this._lessonId}".` : `The lesson could not load: ${String(err)}`),
        h('p', {}, h('a', { href: '#/', class: 'btn' }, '← All lessons')),
      );
      return;
    }
    if (this._store.isDisposed) return;
    document.title = `${lesson.title} · Shiplab`;
    const nodes = lesson.nodes.length ? lesson.nodes : [...NODE_NAMES];
    const status = this._store.add(new StatusBar());
    const terminals = this._store.add(new TerminalArea(nodes));
    const pane = this._store.add(
      new LessonPane(lesson, {
        run: (node, lines) => terminals.run(node, lines),
        check: (step, answer) => api<CheckResult>('POST', routes.check.path({ lesson: lesson.id, step }), answer === undefined ? {} : { answer }),
      }, nodes),
    );
    this.element.classList.remove('loading');
    this.element.replaceChildren(status.element, h('div', { class: 'lab-split' }, pane.element, terminals.element));
    terminals.mount();
    window.__shiplab = { terminals };
    this._store.add(toDisposable(() => {
      if (window.__shiplab?.terminals === terminals) delete window.__shiplab;
    }));

    const applyStatus = (s: SandboxStatus) => {
      status.setStatus(s);
      terminals.setReady(s.state === 'ready');
    };
    const applyProgress = (p: Progress) => pane.setProgress(p[lesson.id] ?? []);
    this._store.add(
      this._events.onEvent((e) => {
        if (e.type === 'sandbox') applyStatus(e.status);
        else if (e.type === 'progress') applyProgress(e.progress);
        else if (e.type === 'check' && e.lesson === lesson.id) pane.showResult(e.step, e.result, e.auto);
      }),
    );
    status.setConnection(this._events.state);
    this._store.add(this._events.onConnection((c) => status.setConnection(c)));

    // Refused for now (too many starts from this address, or the line is full): say why, and try
    // again by itself when the server said to, unless the learner clicks first.
    let retry: Disposable | undefined;
    const start = async () => {
      void retry?.dispose();
      try {
        applyStatus(await api<SandboxStatus>('POST', routes.sandbox.path(), { lesson: lesson.id }));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const after = err instanceof ApiError ? err.retryAfterS : undefined;
        applyStatus({ state: 'failed', nodes: [], error: after === undefined ? message : `${message} Trying again in ${formatWait(after)}…` });
        if (after !== undefined && !this._store.isDisposed) retry = this._store.timeout(() => void start(), after * 1000);
      }
    };
    this._store.add(
      status.onAction(async (a) => {
        if (a === 'reset') {
          if (!confirm('Remove this sandbox and start a fresh one? Everything in it is lost.')) return;
          await api('DELETE', routes.sandbox.path()).catch(() => undefined);
        }
        await start();
      }),
    );

    const [current, progress] = await Promise.all([api<SandboxStatus>('GET', routes.sandbox.path()), api<Progress>('GET', routes.progress.path())]);
    if (this._store.isDisposed) return;
    applyProgress(progress);
    applyStatus(current);
    pane.revealCurrent();
    // Opening a lesson starts its sandbox (or points the running one at this lesson). An expired
    // or failed one waits for the learner's click.
    if (current.state === 'none' || ((current.state === 'ready' || current.state === 'starting') && current.lesson !== lesson.id)) {
      await start();
    }
  }

  dispose(): void {
    this._store.dispose();
    this.element.remove();
  }
}
