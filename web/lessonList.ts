/** The first screen: every lesson in order, with the learner's progress. */
import { routes, type LessonSummary, type Progress } from '../server/common/api.ts';
import { api } from './api.ts';
import { h } from './dom.ts';
import type { Disposable } from '../server/common/lifecycle.ts';

export class LessonList implements Disposable {
  readonly element = h('section', { class: 'lesson-list', 'aria-label': 'Lessons' });

  async load(): Promise<void> {
    document.title = 'Shiplab';
    const [lessons, progress] = await Promise.all([api<LessonSummary[]>('GET', routes.lessons.path()), api<Progress>('GET', routes.progress.path())]);
    const titles = new Map(lessons.map((l) => [l.id, l.title]));
    const list = h('ol', { class: 'cards' });
    for (const l of [...lessons].sort((a, b) => a.order - b.order)) {
      const done = progress[l.id]?.length ?? 0;
      const meta = `${l.minutes} min · ${l.steps} step${l.steps === 1 ? '' : 's'}` + (done ? ` · ${done}/${l.steps} done` : '');
      const card = h(
        'li',
        { class: `card${done >= l.steps && l.steps > 0 ? ' complete' : ''}${l.error ? ' broken' : ''}`, 'data-lesson': l.id },
        h('h2', {}, l.error ? l.title : h('a', { href: `#/lesson/${encodeURIComponent(l.id)}` }, l.title)),
        h('p', {}, l.summary),
        h('p', { class: 'meta' }, meta),
        l.prerequisites.length ? h('p', { class: 'meta' }, `After: ${l.prerequisites.map((p) => titles.get(p) ?? p).join(', ')}`) : undefined,
        l.error ? h('p', { class: 'error' }, `This lesson is broken: ${l.error}`) : undefined,
      );
      list.append(card);
    }
    this.element.replaceChildren(
      h('h1', {}, 'Lessons'),
      h('p', { class: 'summary' }, 'Learn Docker hands-on: each lesson gives you real terminals on your own sandboxed Docker hosts.'),
      lessons.length ? list : h('p', { class: 'placeholder' }, 'No lessons found.'),
    );
  }

  dispose(): void {
    this.element.remove();
  }
}
