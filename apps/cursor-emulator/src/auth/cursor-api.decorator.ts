import { applyDecorators, UseGuards } from '@nestjs/common';
import { RequestFaultGuard } from '../faults/request-fault.guard';
import { ApiKeyGuard } from './api-key.guard';

/** Marks a controller as part of the Cursor v1 API: authenticated, then subject to request faults. */
export const CursorApi = () => applyDecorators(UseGuards(ApiKeyGuard, RequestFaultGuard));
