/** The first screen: every lesson in order, with the learner's progress. An attendee sees their
 * workshop's lessons first, in the workshop's order, then the others. */
import { routes, type AttendeeInfo, type LessonSummary, type Progress } from '../server/common/api.ts';
import { api } from './api.ts';
import { h } from './dom.ts';
import type { Disposable } from '../server/common/lifecycle.ts';
import { orderForWorkshop } from './joinModel.ts';

export class LessonList implements Disposable {
  readonly element = h('section', { class: 'lesson-list', 'aria-label': 'Lessons' });

  /** `workshop`: the visitor's workshop when they are an attendee. */
  constructor(private readonly _workshop?: AttendeeInfo) {}

  async load(): Promise<void> {
    document.title = 'Shiplab';
    const [lessons, progress] = await Promise.all([api<LessonSummary[]>('GET', routes.lessons.path()), api<Progress>('GET', routes.progress.path())]);
    const titles = new Map(lessons.map((l) => [l.id, l.title]));
    const card = (l: LessonSummary) => {
      const done = progress[l.id]?.length ?? 0;
      const meta = `${l.minutes} min · ${l.steps} step${l.steps === 1 ? '' : 's'}` + (done ? ` · ${done}/${l.steps} done` : '');
      return h(
        'li',
        { class: `card${done >= l.steps && l.steps > 0 ? ' complete' : ''}${l.error ? ' broken' : ''}`, 'data-lesson': l.id },
        h('h2', {}, l.error ? l.title : h('a', { href: `#/lesson/${encodeURIComponent(l.id)}` }, l.title)),
        h('p', {}, l.summary),
        h('p', { class: 'meta' }, meta),
        l.prerequisites.length ? h('p', { class: 'meta' }, `After: ${l.prerequisites.map((p) => titles.get(p) ?? p).join(', ')}`) : undefined,
        l.error ? h('p', { class: 'error' }, `This lesson is broken: ${l.error}`) : undefined,
      );
    };
    const cards = (list: LessonSummary[], cls = 'cards') => h('ol', { class: cls }, ...list.map(card));
    const intro = h('p', { class: 'summary' }, 'Learn Docker hands-on: each lesson gives you real terminals on your own sandboxed Docker hosts.');
    const { workshop, others } = orderForWorkshop(lessons, this._workshop?.workshop.lessons ?? []);
    if (this._workshop && workshop.length) {
      this.element.replaceChildren(
        h('h1', {}, this._workshop.workshop.title),
        h('p', { class: 'summary' }, 'Your workshop’s lessons, in order.'),
        cards(workshop, 'cards workshop-lessons'),
        ...(others.length ? [h('h2', { class: 'other-lessons' }, 'Other lessons'), cards(others)] : []),
      );
      return;
    }
    this.element.replaceChildren(
      h('h1', {}, 'Lessons'),
      intro,
      h('p', { class: 'join-cta' }, 'In a workshop? ', h('a', { href: '#/join' }, 'Join with your code →')),
      lessons.length ? cards(others) : h('p', { class: 'placeholder' }, 'No lessons found.'),
    );
  }

  dispose(): void {
    this.element.remove();
  }
}
