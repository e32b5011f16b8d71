import { Logger } from '@nestjs/common';

const REMEMBERED = 1000;

/**
 * One log line per distinct refusal (a rebinding host, a foreign origin, an address at its socket
 * cap), so an operator sees what was turned away without a flood of identical lines.
 */
export class RefusalLog {
  private readonly logger = new Logger('FrontDoor');
  private readonly seen = new Set<string>();

  warn(key: string, line: string): void {
    if (this.seen.has(key)) return;
    if (this.seen.size >= REMEMBERED) this.seen.clear();
    this.seen.add(key);
    this.logger.warn(line);
  }
}
