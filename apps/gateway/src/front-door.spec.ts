import { describe, expect, it } from 'vitest';
import { FrontDoor, type DoorRequest } from './front-door.js';
import { gatewayConfigSchema } from './gateway.config.js';

const loopback = new FrontDoor(gatewayConfigSchema.parse({ PORT: '8000' }));
const request = (headers: DoorRequest['headers'], method = 'GET', localAddress = '127.0.0.1'): DoorRequest => ({ method, headers, socket: { localAddress } });

describe(FrontDoor.name, () => {
  describe('Host', () => {
    it.each(['127.0.0.1:8000', 'localhost:8000', 'LOCALHOST', '[::1]:8000', '127.0.0.1:1234'])('answers to the loopback host %s', (host) => {
      expect(loopback.judge(request({ host }))).toBeNull();
    });

    it.each(['evil.example:8000', '127.0.0.1.nip.io:8000', 'localhost.evil.example', '10.0.0.5:8000', '', 'a b', 'x@127.0.0.1'])(
      'refuses the host %j with 421, whatever the Origin',
      (host) => {
        const refusal = loopback.judge(request({ host, origin: `http://${host}` }));
        expect(refusal).toMatchObject({ status: 421, code: 'MISDIRECTED_REQUEST' });
        expect(refusal!.hint).toMatch(/ALLOWED_HOSTS/);
      },
    );

    it('answers to ALLOWED_HOSTS and to the address a request arrived on, which no DNS can rebind', () => {
      const sut = new FrontDoor(gatewayConfigSchema.parse({ HOST: '0.0.0.0', AUTH_TOKEN: 'x'.repeat(32), ALLOWED_HOSTS: 'ServerGem.example.com' }));
      expect(sut.judge(request({ host: 'servergem.example.com' }))).toBeNull();
      expect(sut.judge(request({ host: '192.168.1.5:8000' }, 'GET', '::ffff:192.168.1.5'))).toBeNull();
      expect(sut.judge(request({ host: '192.168.1.6:8000' }, 'GET', '::ffff:192.168.1.5'))).toMatchObject({ status: 421 });
      expect(sut.judge(request({ host: 'other.example.com' }))).toMatchObject({ status: 421 });
    });
  });

  describe('Origin', () => {
    it('takes a page this server served, and a request with no Origin (the CLI, curl)', () => {
      expect(loopback.judge(request({ host: '127.0.0.1:8000', origin: 'http://127.0.0.1:8000' }, 'POST'))).toMatchObject({ status: 415 });
      expect(loopback.judge(request({ host: '127.0.0.1:8000', origin: 'http://127.0.0.1:8000', 'content-type': 'application/json' }, 'POST'))).toBeNull();
      expect(loopback.judge(request({ host: 'localhost:8000', origin: 'http://localhost:8000' }))).toBeNull();
      expect(loopback.judge(request({ host: '127.0.0.1:8000' }))).toBeNull();
    });

    it.each(['https://evil.example', 'http://localhost:3000', 'http://127.0.0.1:8001', 'null', 'file://', 'chrome-extension://abc', 'not a url'])(
      'refuses the page at %s with 403',
      (origin) => {
        expect(loopback.judge(request({ host: '127.0.0.1:8000', origin }))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      },
    );

    it('takes ALLOWED_ORIGINS, and a public name behind a proxy that keeps the Host', () => {
      const sut = new FrontDoor(gatewayConfigSchema.parse({ ALLOWED_ORIGINS: 'http://localhost:5173', ALLOWED_HOSTS: 'servergem.example.com' }));
      expect(sut.judge(request({ host: '127.0.0.1:8000', origin: 'http://localhost:5173' }))).toBeNull();
      expect(sut.judge(request({ host: 'servergem.example.com', origin: 'https://servergem.example.com' }))).toBeNull();
      expect(sut.judge(request({ host: 'servergem.example.com:443', origin: 'https://servergem.example.com' }))).toBeNull();
      expect(sut.judge(request({ host: 'servergem.example.com', origin: 'https://evil.example' }))).toMatchObject({ status: 403 });
    });
  });

  describe('requests that change something', () => {
    const host = '127.0.0.1:8000';
    it.each([
      ['text/plain', 'POST'],
      ['application/x-www-form-urlencoded', 'POST'],
      ['multipart/form-data; boundary=x', 'POST'],
      [undefined, 'DELETE'],
      ['application/jsonp', 'PUT'],
    ])('refuses %s on %s with 415', (type, method) => {
      const refusal = loopback.judge(request({ host, ...(type ? { 'content-type': type } : {}) }, method));
      expect(refusal).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
      expect(refusal!.hint).toMatch(/application\/json/);
    });

    it('takes JSON, or the X-ServerGem-Request header, and never asks it of reads', () => {
      expect(loopback.judge(request({ host, 'content-type': 'Application/JSON; charset=utf-8' }, 'POST'))).toBeNull();
      expect(loopback.judge(request({ host, 'x-servergem-request': '1' }, 'POST'))).toBeNull();
      for (const method of ['GET', 'HEAD', 'OPTIONS']) expect(loopback.judge(request({ host }, method))).toBeNull();
    });
  });
});
