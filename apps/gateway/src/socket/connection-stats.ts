import { Injectable } from '@nestjs/common';
import { socketConnections } from '#messaging';

@Injectable()
export class ConnectionStats {
  private open = 0;

  opened(): void {
    this.open++;
    socketConnections.inc();
  }

  closed(): void {
    if (this.open === 0) return;
    this.open--;
    socketConnections.dec();
  }

  get connections(): number {
    return this.open;
  }
}
