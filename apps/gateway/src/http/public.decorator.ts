import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'servergem:public';

/** A route anyone who passes the front door may call without a token (liveness and readiness). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
