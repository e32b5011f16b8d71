/** How many sockets each client address holds open, so one client cannot hold them all. */
export class SocketsPerAddress {
  private readonly open = new Map<string, number>();

  constructor(readonly limit: number) {}

  hasRoom(address: string): boolean {
    return (this.open.get(address) ?? 0) < this.limit;
  }

  opened(address: string): void {
    this.open.set(address, (this.open.get(address) ?? 0) + 1);
  }

  closed(address: string): void {
    const count = (this.open.get(address) ?? 0) - 1;
    if (count > 0) this.open.set(address, count);
    else this.open.delete(address);
  }

  countFor(address: string): number {
    return this.open.get(address) ?? 0;
  }
}
