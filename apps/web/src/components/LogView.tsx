import { useCallback, useEffect, useLayoutEffect, useRef, useState, type UIEvent } from 'react';
import { stripAnsi } from '../lib/ansi';

// Rows have one fixed height (lines do not wrap; the view scrolls sideways), which is what makes
// rendering only the visible slice of thousands of lines exact.
const ROW_HEIGHT = 20;
const OVERSCAN = 20;
const DEFAULT_VIEWPORT = 400;

export interface LogViewProps {
  lines: readonly string[];
  label: string;
  testId?: string;
  /** Forget the scroll position when this changes (another deployment). */
  resetKey?: string;
  /** No more lines will come. */
  finished?: boolean;
}

/** A virtualized log that follows the tail until the user scrolls up, and again once back at the bottom. */
export function LogView({ lines, label, testId, resetKey, finished = false }: LogViewProps) {
  const viewportRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(DEFAULT_VIEWPORT);
  const [following, setFollowing] = useState(true);
  const total = lines.length;

  useEffect(() => {
    const viewport = viewportRef.current;
    if (!viewport || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setViewportHeight(viewport.clientHeight || DEFAULT_VIEWPORT));
    observer.observe(viewport);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    setFollowing(true);
  }, [resetKey]);

  useLayoutEffect(() => {
    const viewport = viewportRef.current;
    if (!viewport || !following) return;
    viewport.scrollTop = viewport.scrollHeight;
    setScrollTop(viewport.scrollTop);
  }, [total, following, viewportHeight]);

  const onScroll = useCallback((event: UIEvent<HTMLDivElement>) => {
    const viewport = event.currentTarget;
    setScrollTop(viewport.scrollTop);
    const distanceFromBottom = viewport.scrollHeight - viewport.scrollTop - viewport.clientHeight;
    setFollowing(distanceFromBottom <= ROW_HEIGHT * 1.5);
  }, []);

  const jumpToLatest = useCallback(() => setFollowing(true), []);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scrollTop + viewportHeight) / ROW_HEIGHT) + OVERSCAN);
  const visible = lines.slice(first, last);

  return (
    <div className="log-view">
      <div
        ref={viewportRef}
        className="log-viewport"
        role="log"
        aria-label={label}
        aria-live="off"
        tabIndex={0}
        data-testid={testId}
        data-line-count={total}
        data-following={following}
        onScroll={onScroll}
      >
        {total === 0 ? (
          <p className="log-empty">{finished ? 'This deployment wrote no log lines.' : 'Waiting for log lines…'}</p>
        ) : (
          <div className="log-content" style={{ height: total * ROW_HEIGHT, paddingTop: first * ROW_HEIGHT }}>
            {visible.map((line, index) => (
              <div className="log-line" key={first + index} style={{ height: ROW_HEIGHT }}>
                <span className="log-number" aria-hidden="true">
                  {first + index + 1}
                </span>
                <span className="log-text">{stripAnsi(line)}</span>
              </div>
            ))}
          </div>
        )}
      </div>
      {!following && total > 0 && (
        <button type="button" className="log-jump" onClick={jumpToLatest}>
          Follow new lines ↓
        </button>
      )}
    </div>
  );
}
