import { Injectable } from '@nestjs/common';

@Injectable()
export class ConnectionStats {
  private open = 0;

  opened(): void {
    this.open++;
  }

  closed(): void {
    this.open = Math.max(0, this.open - 1);
  }

  get connections(): number {
    return this.open;
  }
}
