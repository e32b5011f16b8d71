import { useId, useState, type FormEvent } from 'react';

export interface SecretFieldProps {
  /** What the secret is, e.g. "GitHub token". */
  name: string;
  connectLabel: string;
  help: string;
  isSet: boolean;
  onSave: (value: string) => void;
  testId: string;
}

/**
 * A token kept in the browser: entered once in a password field, never shown again, removable.
 * The value only leaves the page through the caller's `onSave`.
 */
export function SecretField({ name, connectLabel, help, isSet, onSave, testId }: SecretFieldProps) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState('');
  const id = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const token = value.trim();
    if (!token) return;
    onSave(token);
    setValue('');
    setEditing(false);
  };

  if (!editing) {
    return (
      <div className="secret" data-testid={testId}>
        {isSet ? (
          <>
            <span className="secret-state">{name} saved in this browser</span>
            <button type="button" className="button button-link" onClick={() => onSave('')}>
              Remove
            </button>
          </>
        ) : (
          <button type="button" className="button button-secondary" onClick={() => setEditing(true)}>
            {connectLabel}
          </button>
        )}
      </div>
    );
  }
  return (
    <form className="secret secret-editing" onSubmit={submit} data-testid={testId}>
      <label htmlFor={id}>{name}</label>
      <input
        id={id}
        type="password"
        autoComplete="off"
        spellCheck={false}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        aria-describedby={`${id}-help`}
        autoFocus
      />
      <button type="submit" className="button" disabled={!value.trim()}>
        Save
      </button>
      <button type="button" className="button button-link" onClick={() => setEditing(false)}>
        Cancel
      </button>
      <p id={`${id}-help`} className="help">
        {help}
      </p>
    </form>
  );
}
