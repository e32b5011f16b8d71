import ReactMarkdown, { type Components } from 'react-markdown';

// Links leave the page; everything else is plain Markdown. No rehype-raw: HTML in the text is never rendered.
const components: Components = {
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  ),
};

export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown components={components} skipHtml>
        {text}
      </ReactMarkdown>
    </div>
  );
}
