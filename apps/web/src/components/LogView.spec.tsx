// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { LogView } from './LogView';

afterEach(cleanup);

describe(LogView.name, () => {
  it('renders only a window of a long log, and knows how many lines it holds', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i + 1}`);
    render(<LogView lines={lines} label="log" testId="logs" />);
    const sut = screen.getByTestId('logs');
    expect(sut.dataset.lineCount).toBe('5000');
    expect(sut.querySelectorAll('.log-line').length).toBeLessThan(200);
  });

  it('shows a <script> in a log line as text', () => {
    const line = '<script>window.__pwned=1</script>';
    render(<LogView lines={[line]} label="log" testId="logs" />);
    const sut = screen.getByTestId('logs');
    expect(sut.querySelector('script')).toBeNull();
    expect(sut.textContent).toContain(line);
  });

  it('stops following the tail when scrolled up, and offers to follow again', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`);
    render(<LogView lines={lines} label="log" testId="logs" />);
    const sut = screen.getByTestId('logs');
    // jsdom has no layout: describe a viewport scrolled far from the bottom.
    Object.defineProperty(sut, 'scrollHeight', { configurable: true, value: 20_000 });
    Object.defineProperty(sut, 'clientHeight', { configurable: true, value: 400 });
    sut.scrollTop = 100;
    fireEvent.scroll(sut);
    expect(sut.dataset.following).toBe('false');
    fireEvent.click(screen.getByRole('button', { name: /follow new lines/i }));
    expect(sut.dataset.following).toBe('true');
  });
});
