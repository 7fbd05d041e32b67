import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'lap:public-route';

/** Answered without a key: only documents meant for anyone (the OpenAPI description). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
