import { describe, expect, it } from 'vitest';
import { escapeHtml, renderMarkdown } from './render.ts';

describe('renderMarkdown', () => {
  it('escapes raw HTML, block and inline', () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\nText with <b onclick="x()">bold</b> & more.');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b ');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b onclick=&quot;x()&quot;&gt;bold&lt;/b&gt;');
  });

  it('renders runnable blocks with their node, and ordinary blocks without', () => {
    const html = renderMarkdown('```bash @node1\ndocker run -d --name web nginx\necho "<hi>"\n```\n\n```yaml\na: 1\n```\n\n```\nplain\n```\n');
    expect(html).toContain('<pre class="code runnable" data-node="node1"><code class="language-bash">docker run -d --name web nginx\necho &quot;&lt;hi&gt;&quot;</code></pre>');
    expect(html).toContain('<pre class="code"><code class="language-yaml">a: 1</code></pre>');
    expect(html).toContain('<pre class="code"><code>plain</code></pre>');
  });

  it('renders a block on an unknown node as an ordinary block', () => {
    expect(renderMarkdown('```bash @node7\nls\n```')).toContain('<pre class="code"><code class="language-bash">ls</code></pre>');
  });

  it('renders the other node too', () => {
    expect(renderMarkdown('```sh @remote-docker-engine\ndocker ps\n```')).toContain('data-node="remote-docker-engine"');
  });

  it('keeps safe links and drops script links', () => {
    const html = renderMarkdown('[ok](https://docs.docker.com) [rel](/lessons/x) [bad](javascript:alert(1)) ![img](data:image/png;base64,AAA)');
    expect(html).toContain('<a href="https://docs.docker.com">ok</a>');
    expect(html).toContain('<a href="/lessons/x">rel</a>');
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('data:');
    expect(html).toContain('bad');
  });

  it('escapes inline code and keeps Markdown formatting', () => {
    expect(renderMarkdown('Run `docker ps -a | grep <id>` **now**.')).toBe('<p>Run <code>docker ps -a | grep &lt;id&gt;</code> <strong>now</strong>.</p>\n');
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
