import type { FunctionDeclaration } from '@google/genai';
import { z } from 'zod';
import { COMMAND_NAMES, COMMANDS } from '../commands/command-catalog.js';

/** The command catalog as Gemini function declarations: the model can ask for exactly what a command can do. */
export function functionDeclarations(): FunctionDeclaration[] {
  return COMMAND_NAMES.map((name) => {
    const definition = COMMANDS[name];
    const schema = { ...(z.toJSONSchema(definition.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>) };
    delete schema.$schema;
    const confirm = definition.destructive
      ? ' Destructive: it runs only after the user presses Confirm.'
      : definition.changesSettings
        ? ' Runs only after the user presses Confirm.'
        : '';
    return { name, description: `${definition.description}${confirm}`, parametersJsonSchema: schema };
  });
}
