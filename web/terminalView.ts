/**
 * One node's terminal on the page: xterm.js with fit (on container resize), WebGL (falling back
 * to the DOM renderer), clickable links, Ctrl+Shift+C/V, and a TerminalLink to the server.
 */
import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebglAddon } from '@xterm/addon-webgl';
import { WebLinksAddon } from '@xterm/addon-web-links';
import type { NodeName } from '../server/common/api.ts';
import { copyText, h, listen } from './dom.ts';
import { DisposableStore, toDisposable, type Disposable } from '../server/common/lifecycle.ts';
import { TerminalLink, type LinkState } from './terminalLink.ts';
import { atPrompt } from '../server/common/prompt.ts';
import { SCROLLBACK_LINES } from '../server/common/flowControl.ts';
import { cursorLineText, screenText } from '../server/common/screenText.ts';
import { TERMINAL_FONT, terminalLineHeight } from './terminalFont.ts';

/** The terminal's font size, px. */
const FONT_SIZE = 14;


/** The terminals' colours, light and dark (the shadow view uses them too). */
export const LIGHT: ITheme = {
  background: '#fbfbfa',
  foreground: '#1d2329',
  cursor: '#1d2329',
  selectionBackground: '#b6d4fe',
};
export const DARK: ITheme = {
  background: '#12161b',
  foreground: '#d9dee4',
  cursor: '#d9dee4',
  selectionBackground: '#2f4a6d',
};

const MESSAGES: Partial<Record<LinkState, string>> = {
  idle: 'Waiting for the sandbox…',
  connecting: 'Connecting…',
  reconnecting: 'Connection lost. Reconnecting…',
  ended: 'The shell ended. Press Enter for a new one.',
  replaced: 'This terminal is open in another window.',
  gone: 'The sandbox is gone.',
  refused: 'The server refused this terminal (session lost). Reload the page.',
};

export class TerminalView implements Disposable {
  readonly element: HTMLElement;
  readonly term: Terminal;
  readonly link: TerminalLink;
  private readonly _store = new DisposableStore();
  private readonly _fit = new FitAddon();
  private readonly _host: HTMLElement;
  private readonly _overlay: HTMLElement;
  private readonly _overlayText: HTMLElement;
  private readonly _overlayButton: HTMLButtonElement;
  private _webgl: WebglAddon | undefined;
  /** 'webgl' or 'dom', for tests and the bench. */
  renderer: 'webgl' | 'dom' = 'dom';
  /** Writes handed to xterm and not yet parsed, and when output last came (the prompt rule). */
  private _pendingWrites = 0;
  private _lastOutput = performance.now();

  constructor(readonly node: NodeName) {
    this._host = h('div', { class: 'xterm-host' });
    this._overlayText = h('span');
    this._overlayButton = h('button', { type: 'button', class: 'btn', hidden: true }, 'Use it here');
    this._overlay = h('div', { class: 'terminal-overlay', role: 'status' }, this._overlayText, this._overlayButton);
    this.element = h('div', { class: 'terminal', 'data-node': node }, this._host, this._overlay);

    const dark = window.matchMedia('(prefers-color-scheme: dark)');
    this.term = new Terminal({
      // A steady cursor, as VS Code's terminal by default: xterm restarts the blink on every key,
      // and with the DOM renderer that redraw ran when the echo arrived. Measured in the page
      // (bench/terminal.ts, DOM): key → echo parsed p50 11.3 ms blinking, 3.6 ms steady.
      cursorBlink: false,
      fontFamily: TERMINAL_FONT,
      fontSize: FONT_SIZE,
      // Rows tall enough for the font's ink: at 1, DejaVu Sans Mono's underscore falls below the row.
      lineHeight: terminalLineHeight(FONT_SIZE),
      scrollback: SCROLLBACK_LINES,
      theme: dark.matches ? DARK : LIGHT,
      allowProposedApi: true,
    });
    this._store.add(this.term);
    this._store.add(listen(dark, 'change', () => (this.term.options.theme = dark.matches ? DARK : LIGHT)));
    this.term.loadAddon(this._fit);
    this.term.loadAddon(new WebLinksAddon());
    this.term.attachCustomKeyEventHandler((e) => this._key(e));

    this.link = this._store.add(
      new TerminalLink(node, {
        snapshot: (_cols, _rows, data, done) => {
          // RIS (ESC c) resets the terminal in the write queue, after output still being parsed.
          this.term.write('\x1bc');
          this._write(data, done);
        },
        output: (data, rendered) => this._write(data, rendered),
        exit: (code) => this.term.write(`\r\n\x1b[2m[the shell ended with exit code ${code}]\x1b[0m\r\n`),
      }, () => this.atPrompt()),
    );
    this._store.add(this.term.onData((d) => this._input(d)));
    this._store.add(this.term.onBinary((d) => this._input(d)));
    this._store.add(this.link.onState(({ state, reason }) => this._showState(state, reason)));
    this._store.add(
      toDisposable(() => {
        this._webgl?.dispose();
      }),
    );
    this._overlayButton.addEventListener('click', () => {
      this.link.connect();
      this.term.focus();
    });
    this._showState('idle');
  }

  /** Opens xterm in the element; call once the element is in the document. */
  open(): void {
    if (this.term.element) return;
    this.term.open(this._host);
    this._loadWebgl();
    const ro = new ResizeObserver(() => this.fit());
    ro.observe(this._host);
    this._store.add(toDisposable(() => ro.disconnect()));
    this.fit();
  }

  /** Fits the terminal to its container (if visible) and tells the server the new size. */
  fit(): void {
    if (!this.term.element || this._host.clientWidth === 0 || this._host.clientHeight === 0) return;
    try {
      this._fit.fit();
    } catch (err) {
      // fit() measures the renderer; if it is not ready yet the next resize fits again.
      console.warn('fit failed', err);
      return;
    }
    this.link.resize(this.term.cols, this.term.rows);
  }

  /** Types lines into this terminal as if the learner had: each line followed by Enter. A
   * terminal still connecting gets them once its shell is ready (TerminalLink queues them); one
   * whose shell ended starts a new shell for them, as Enter would. */
  typeLines(lines: string[]): void {
    if (this.link.state === 'ended') {
      this.term.write('\r\n');
      this.link.connect();
    }
    for (const line of lines) this.link.input(line + '\r');
  }

  /** The one prompt rule (server/common/prompt.ts) on this screen: everything parsed, output
   * quiet for PROMPT_QUIET_MS, and the text left of the cursor ends like a prompt. */
  atPrompt(): boolean {
    return atPrompt({
      parsed: this._pendingWrites === 0,
      quietForMs: performance.now() - this._lastOutput,
      cursorLine: () => cursorLineText(this.term.buffer.active),
    });
  }

  focus(): void {
    this.term.focus();
  }

  /** The visible screen as text (tests, bench). */
  screenText(): string {
    return screenText(this.term.buffer.active, this.term.rows);
  }

  dispose(): void {
    this._store.dispose();
    this.element.remove();
  }

  private _write(data: Uint8Array, done: () => void): void {
    this._pendingWrites++;
    this._lastOutput = performance.now();
    this.term.write(data, () => {
      this._pendingWrites--;
      done();
    });
  }

  private _input(data: string): void {
    if (this.link.state === 'ended') {
      // A new shell on Enter; other keys are ignored so nothing is typed into the void.
      if (data === '\r') {
        this.term.write('\r\n');
        this.link.connect();
      }
      return;
    }
    this.link.input(data);
  }

  /** Ctrl+Shift+C copies the selection, Ctrl+Shift+V pastes (the browser's paste event, which
   * xterm handles); plain Ctrl+C stays SIGINT for the shell. */
  private _key(e: KeyboardEvent): boolean {
    if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey || e.altKey || e.metaKey) return true;
    if (e.code === 'KeyC') {
      e.preventDefault();
      if (this.term.hasSelection()) void copyText(this.term.getSelection());
      return false;
    }
    if (e.code === 'KeyV') {
      // Not preventDefault: the browser fires a paste event into xterm's textarea.
      return false;
    }
    return true;
  }

  private _loadWebgl(): void {
    // ?renderer=dom forces the DOM renderer (benchmarks, debugging).
    if (new URLSearchParams(location.search).get('renderer') === 'dom') return;
    // WebGL drawn by the CPU (SwiftShader, llvmpipe: VMs, remote desktops, no GPU) is slower than
    // the DOM renderer: measured 0.7 vs 3.3 MB/s into the page (bench/terminal.ts).
    if (new URLSearchParams(location.search).get('renderer') !== 'webgl' && softwareWebgl()) {
      console.info('WebGL is software-rendered here; using the DOM renderer');
      return;
    }
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        // The GPU reset or the context was lost: drop to the DOM renderer, which always works.
        webgl.dispose();
        this._webgl = undefined;
        this.renderer = 'dom';
      });
      this.term.loadAddon(webgl);
      this._webgl = webgl;
      this.renderer = 'webgl';
    } catch (err) {
      // WebGL2 unavailable (old GPU, headless, disabled): xterm keeps its DOM renderer.
      console.info('WebGL renderer unavailable, using the DOM renderer:', err instanceof Error ? err.message : err);
      this.renderer = 'dom';
    }
  }

  private _showState(state: LinkState, reason?: string): void {
    const msg = MESSAGES[state];
    this.element.dataset.state = state;
    const overlay = state !== 'open' && state !== 'ended';
    this._overlay.hidden = !overlay;
    this._overlayText.textContent = msg ?? '';
    this._overlay.title = reason ?? '';
    this._overlayButton.hidden = state !== 'replaced';
    if (state === 'ended') this.term.write(`\x1b[2m[${MESSAGES.ended}]\x1b[0m\r\n`);
  }
}

/** True when WebGL2 exists but is rendered by the CPU (or does not exist at all). Cached. */
let software: boolean | undefined;
function softwareWebgl(): boolean {
  if (software !== undefined) return software;
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return (software = true);
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : String(gl.getParameter(gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    software = /swiftshader|llvmpipe|softpipe|software/i.test(renderer);
  } catch {
    software = true;
  }
  return software;
}
