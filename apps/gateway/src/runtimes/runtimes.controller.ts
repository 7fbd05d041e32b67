import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ZodValidationPipe } from '../validation/zod-validation.pipe';
import { putCredentialsSchema, type PutCredentialsInput } from './runtime.schemas';
import { RuntimesService } from './runtimes.service';

/** LAP's runtime and credential routes. Request bodies here carry API keys: nothing logs them. */
@Controller('api/agent-runtimes')
export class RuntimesController {
  constructor(private readonly runtimes: RuntimesService) {}

  @Get()
  list(@CurrentPrincipal() principal: Principal) {
    return this.runtimes.listRuntimes(principal);
  }

  @Put(':runtime/credentials')
  putCredentials(
    @CurrentPrincipal() principal: Principal,
    @Param('runtime') runtime: string,
    @Body(new ZodValidationPipe(putCredentialsSchema)) body: PutCredentialsInput,
  ) {
    return this.runtimes.putCredentials(principal, runtime, body);
  }

  @Get(':runtime/credentials')
  getCredentials(@CurrentPrincipal() principal: Principal, @Param('runtime') runtime: string) {
    return this.runtimes.getCredentials(principal, runtime);
  }

  @Delete(':runtime/credentials')
  deleteCredentials(@CurrentPrincipal() principal: Principal, @Param('runtime') runtime: string) {
    return this.runtimes.deleteCredentials(principal, runtime);
  }
}
