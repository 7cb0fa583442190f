/**
 * Lesson Markdown → HTML. Lesson text is content, not code: raw HTML in it is shown escaped,
 * and links may only go to http(s), mailto or relative addresses. Runnable blocks become
 * `<pre class="code runnable" data-node="node1">`, which the lesson pane gives a run button.
 */
import { Marked, type Tokens } from 'marked';
import { parseInfo } from './format/blocks.ts';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Relative addresses, fragments, and these schemes; `javascript:` and `data:` never. */
const SAFE_URL = /^(https?:|mailto:|[^:]*$|[^:]*[/?#])/i;

function safeUrl(href: string): boolean {
  return SAFE_URL.test(href.trim());
}

const marked = new Marked({
  gfm: true,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    code({ text, lang }: Tokens.Code): string {
      const info = parseInfo(lang);
      const langClass = info.language ? ` class="language-${escapeHtml(info.language)}"` : '';
      const body = escapeHtml(text.replace(/\n$/, ''));
      if (info.node) {
        return `<pre class="code runnable" data-node="${info.node}"><code${langClass}>${body}</code></pre>\n`;
      }
      return `<pre class="code"><code${langClass}>${body}</code></pre>\n`;
    },
    link(token: Tokens.Link): string | false {
      if (safeUrl(token.href)) return false;
      return this.parser.parseInline(token.tokens);
    },
    image(token: Tokens.Image): string | false {
      if (safeUrl(token.href)) return false;
      return escapeHtml(token.text);
    },
  },
});

export function renderMarkdown(markdown: string): string {
  return marked.parse(markdown, { async: false });
}
