import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { proseMirrorHtml, proseMirrorJson } from './proseMirror.ts';

function fragmentOf(build: (fragment: Y.XmlFragment) => void): Y.XmlFragment {
  const doc = new Y.Doc();
  const fragment = doc.getXmlFragment('description');
  doc.transact(() => build(fragment));
  return fragment;
}

describe('ProseMirror JSON and HTML of a rich text', () => {
  it('reads elements as nodes with attributes and formatted text as marks', () => {
    const fragment = fragmentOf((f) => {
      const heading = new Y.XmlElement('heading');
      heading.setAttribute('level', 2 as unknown as string);
      heading.insert(0, [new Y.XmlText('Title')]);
      const p = new Y.XmlElement('paragraph');
      const text = new Y.XmlText();
      p.insert(0, [text]);
      f.insert(0, [heading, p]);
      text.insert(0, 'plain ');
      text.insert(6, 'bold', { bold: {} });
    });
    expect(proseMirrorJson(fragment)).toEqual({
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Title' }] },
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'plain ' },
            { type: 'text', text: 'bold', marks: [{ type: 'bold' }] },
          ],
        },
      ],
    });
  });

  it('writes escaped HTML and drops link targets that are not http(s) or mailto', () => {
    const html = proseMirrorHtml({
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: '<script>x</script> & ' },
            {
              type: 'text',
              text: 'ok',
              marks: [{ type: 'link', attrs: { href: 'https://a.b/?q="1"' } }],
            },
            {
              type: 'text',
              text: 'bad',
              marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }],
            },
          ],
        },
        { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph' }] }] },
      ],
    });
    expect(html).toBe(
      '<p>&lt;script&gt;x&lt;/script&gt; &amp; <a href="https://a.b/?q=&quot;1&quot;">ok</a>bad</p><ul><li><p></p></li></ul>',
    );
  });
});
