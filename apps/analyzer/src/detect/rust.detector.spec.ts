import { afterEach, describe, expect, it } from 'vitest';
import { tempApps } from '#testing';
import { analyzeSource } from './analyze.js';
import { RustDetector } from './rust.detector.js';

const { app, cleanup } = tempApps('servergem-rust-');
afterEach(cleanup);

describe(RustDetector.name, () => {
  it('follows default-run among several binaries', async () => {
    const sut = await analyzeSource(
      app({
        'Cargo.toml': '[package]\nname = "tools"\nversion = "0.1.0"\ndefault-run = "server"\n',
        'src/main.rs': 'fn main() {}\n',
        'src/bin/server.rs': 'fn main() { let _ = std::net::TcpListener::bind("0.0.0.0:9090"); }\n',
        'src/bin/worker.rs': 'fn main() {}\n',
      }),
    );
    expect(sut.commands.start).toBe('./bin/server');
    expect(sut.port).toBe(9090);
    expect(sut.warnings).toEqual([]);
  });

  it('reads Rocket.toml for the port and warns about the loopback default', async () => {
    const sut = await analyzeSource(
      app({
        'Cargo.toml': '[package]\nname = "r"\nversion = "0.1.0"\n\n[dependencies.rocket]\nversion = "0.5"\n',
        'Rocket.toml': '[default]\nport = 8100 # the default profile\n',
        'src/main.rs': '#[macro_use] extern crate rocket;\n#[launch]\nfn rocket() -> _ { rocket::build() }\n',
        'rust-toolchain': '1.82.0\n',
      }),
    );
    expect(sut).toMatchObject({ framework: 'rocket', port: 8100, runtime: { version: '1.82.0' } });
    expect(sut.warnings.join(' ')).toContain('ROCKET_ADDRESS=0.0.0.0');
  });

  it('says a library crate has nothing to run', async () => {
    const sut = await analyzeSource(app({ 'Cargo.toml': '[package]\nname = "lib"\nversion = "0.1.0"\n', 'src/lib.rs': 'pub fn f() {}\n' }));
    expect(sut.commands.start).toBeNull();
    expect(sut.warnings[0]).toContain('No binary target');
  });
});
