import type { NextFunction, Request, Response } from 'express';
import { plainAddress, type FrontDoor } from '../front-door.js';
import type { RefusalLog } from '../refusal-log.js';

/**
 * The front door for every HTTP request (the web UI, REST, health): it runs before the UI files,
 * the body parsers and Nest's routes, so a refused request reaches no handler and changes nothing.
 */
export function frontDoorMiddleware(door: FrontDoor, log: RefusalLog) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const refusal = door.judge(req);
    if (!refusal) return next();
    const from = plainAddress(req.socket.remoteAddress);
    if (refusal.status !== 415)
      log.warn(`${refusal.code} ${req.headers.host} ${req.headers.origin}`, `Refused ${req.method} ${req.path} from ${from}: ${refusal.message}`);
    res.setHeader('Cache-Control', 'no-store');
    res.status(refusal.status).json({ code: refusal.code, message: refusal.message, hint: refusal.hint });
  };
}
