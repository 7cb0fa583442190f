/**
 * The lesson half of the lab: intro, the steps one after another (the current one highlighted,
 * passed ones green), recap. Code blocks get Copy; runnable ones (`<pre class="code runnable"
 * data-node>`) also get Run. Each step has a Check button (and an answer field for question
 * steps) that shows the structured CheckResult.
 */
import { isNodeName, type CheckResult, type LessonView, type NodeName, type StepView } from '../server/common/api.ts';
import { ApiError } from './api.ts';
import { commandLines, copyText, h, listen } from './dom.ts';
import { DisposableStore, type Disposable } from '../server/common/lifecycle.ts';

export interface LessonPaneActions {
  run(node: NodeName, lines: string[]): void;
  check(step: number, answer?: string): Promise<CheckResult>;
}

interface StepParts {
  section: HTMLElement;
  badge: HTMLElement;
  result: HTMLElement;
  button: HTMLButtonElement;
  answer?: HTMLInputElement;
}

export class LessonPane implements Disposable {
  readonly element: HTMLElement;
  private readonly _store = new DisposableStore();
  private readonly _steps: StepParts[] = [];
  private _passed = new Set<number>();

  constructor(
    readonly lesson: LessonView,
    private readonly _actions: LessonPaneActions,
    nodes: NodeName[],
  ) {
    const intro = h('div', { class: 'prose intro' });
    intro.innerHTML = lesson.introHtml; // Rendered and escaped by the server (render.ts); CSP forbids inline script.
    const steps = h('ol', { class: 'steps' });
    for (const step of lesson.stepViews) {
      const parts = this._step(step);
      this._steps.push(parts);
      steps.append(h('li', {}, parts.section));
    }
    const recap = h('section', { class: 'prose recap', 'aria-label': 'Recap' });
    recap.innerHTML = lesson.recapHtml;
    this.element = h(
      'section',
      { class: 'lesson-pane', 'aria-label': 'Lesson' },
      h('h1', {}, lesson.title),
      h('p', { class: 'summary' }, lesson.summary),
      intro,
      steps,
      recap,
      lesson.next ? h('p', { class: 'next' }, h('a', { href: `#/lesson/${encodeURIComponent(lesson.next)}`, class: 'btn' }, 'Next lesson →')) : undefined,
    );
    for (const pre of this.element.querySelectorAll<HTMLPreElement>('pre')) this._enhanceCode(pre, nodes);
    this.setProgress([]);
  }

  /** Marks passed steps and moves the highlight to the first step not passed. */
  setProgress(passed: number[]): void {
    this._passed = new Set(passed);
    const current = this.lesson.stepViews.findIndex((s) => !this._passed.has(s.index));
    this._steps.forEach((p, i) => {
      const done = this._passed.has(i);
      p.section.classList.toggle('passed', done);
      p.section.classList.toggle('current', i === current);
      if (i === current) p.section.setAttribute('aria-current', 'step');
      else p.section.removeAttribute('aria-current');
      p.badge.textContent = done ? '✓ Passed' : i === current ? 'Current step' : '';
    });
    this.element.classList.toggle('complete', current === -1);
  }

  /** Shows a check result under its step. Automatic results only ever report a pass, so an
   * autocheck never replaces the hint the learner asked for. */
  showResult(step: number, result: CheckResult, auto: boolean): void {
    const parts = this._steps[step];
    if (!parts || (auto && !result.passed)) return;
    if (result.passed && !this._passed.has(step)) this.setProgress([...this._passed, step]);
    parts.result.replaceChildren(...renderResult(result, auto));
    parts.result.dataset.status = result.status;
    parts.result.hidden = false;
  }

  /** Scrolls the current step into view (after a page load). */
  revealCurrent(): void {
    this.element.querySelector('.step.current')?.scrollIntoView({ block: 'nearest' });
  }

  dispose(): void {
    this._store.dispose();
    this.element.remove();
  }

  private _step(step: StepView): StepParts {
    const body = h('div', { class: 'prose' });
    body.innerHTML = step.html;
    const badge = h('span', { class: 'badge' });
    const result = h('div', { class: 'result', role: 'status', 'aria-live': 'polite', hidden: true });
    let answer: HTMLInputElement | undefined;
    const button = h('button', { type: 'submit', class: 'btn primary check' }, 'Check');
    const form = h('form', { class: 'check-form' });
    if (step.question !== undefined) {
      const id = `answer-${step.index}`;
      answer = h('input', { id, type: 'text', name: 'answer', autocomplete: 'off', spellcheck: 'false' });
      form.append(h('label', { for: id, class: 'question' }, step.question), answer);
    }
    form.append(button);
    this._store.add(listen(form, 'submit', (e) => {
      e.preventDefault();
      void this._check(step.index);
    }));
    const section = h(
      'section',
      { class: 'step', 'data-step': step.index, 'aria-labelledby': `step-title-${step.index}` },
      h('h2', { id: `step-title-${step.index}` }, h('span', { class: 'step-number' }, `Step ${step.index + 1}`), ' ', step.title, ' ', badge),
      body,
      form,
      result,
    );
    return { section, badge, result, button, answer };
  }

  private async _check(step: number): Promise<void> {
    const parts = this._steps[step]!;
    parts.button.disabled = true;
    parts.button.textContent = 'Checking…';
    try {
      const answer = parts.answer ? parts.answer.value : undefined;
      const result = await this._actions.check(step, answer);
      this.showResult(step, result, false);
    } catch (err) {
      parts.result.hidden = false;
      parts.result.dataset.status = 'error';
      parts.result.replaceChildren(
        h('p', {}, err instanceof ApiError ? err.message : `The check could not run: ${err instanceof Error ? err.message : String(err)}`),
      );
    } finally {
      parts.button.disabled = false;
      parts.button.textContent = 'Check';
    }
  }

  private _enhanceCode(pre: HTMLPreElement, nodes: NodeName[]): void {
    const text = () => (pre.querySelector('code') ?? pre).textContent ?? '';
    const tools = h('div', { class: 'code-tools' });
    const node = pre.dataset.node;
    if (pre.classList.contains('runnable') && node && isNodeName(node) && nodes.includes(node)) {
      tools.append(
        h('button', {
          type: 'button',
          class: 'btn run',
          'data-node': node,
          title: `Type this into the ${node} terminal and run it`,
          onclick: () => this._actions.run(node, commandLines(text())),
        }, `▶ Run on ${node}`),
      );
    }
    const copy = h('button', { type: 'button', class: 'btn copy', title: 'Copy to the clipboard' }, 'Copy');
    copy.addEventListener('click', () => {
      void copyText(text()).then((ok) => {
        copy.textContent = ok ? 'Copied' : 'Copy failed';
        setTimeout(() => (copy.textContent = 'Copy'), 1500);
      });
    });
    tools.append(copy);
    const wrap = h('div', { class: 'codeblock' });
    pre.replaceWith(wrap);
    wrap.append(tools, pre);
  }
}

function renderResult(r: CheckResult, auto: boolean): Node[] {
  if (r.passed) {
    return [
      h('p', { class: 'verdict' }, auto ? '✓ Passed (checked automatically)' : '✓ Passed'),
      r.found ? h('p', { class: 'found' }, r.found) : undefined,
    ].filter((n): n is HTMLParagraphElement => n !== undefined);
  }
  if (r.status === 'error' || r.status === 'timeout') {
    return [
      h('p', { class: 'verdict' }, r.status === 'timeout' ? 'The check took too long.' : 'The check itself failed (not your fault).'),
      r.message ? h('p', {}, r.message) : undefined,
    ].filter((n): n is HTMLParagraphElement => n !== undefined);
  }
  const dl = h('dl');
  if (r.expected) dl.append(h('dt', {}, 'Expected'), h('dd', {}, r.expected));
  if (r.found) dl.append(h('dt', {}, 'Found'), h('dd', {}, r.found));
  const out: Node[] = [h('p', { class: 'verdict' }, 'Not yet.'), dl];
  if (r.hint) out.push(h('p', { class: 'hint', 'data-hint': r.hint.id }, h('strong', {}, 'Hint: '), r.hint.text));
  return out;
}
