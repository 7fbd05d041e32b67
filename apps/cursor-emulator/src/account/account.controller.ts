import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Me, ModelInfo, Repository } from '@lap/cursor-client';
import type { Caller as CallerIdentity } from '../auth/api-key.guard';
import { Caller } from '../auth/caller.decorator';
import { CursorApi } from '../auth/cursor-api.decorator';
import { AccountService } from './account.service';

@CursorApi()
@Controller('v1')
export class AccountController {
  constructor(private readonly account: AccountService) {}

  @Get('me')
  me(@Caller() caller: CallerIdentity): Me {
    return this.account.me(caller);
  }

  @Get('models')
  models(): { items: ModelInfo[] } {
    return this.account.models();
  }

  @Get('repositories')
  repositories(
    @Caller() caller: CallerIdentity,
    @Res({ passthrough: true }) res: Response,
  ): { items: Repository[] } {
    const { items, headers } = this.account.repositories(caller);
    res.set(headers);
    return { items };
  }
}
