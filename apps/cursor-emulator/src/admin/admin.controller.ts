import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { validationError } from '../errors/cursor-http-error';
import { FaultSpecError, parseFaultSpec, type FaultSpec } from '../faults/fault-spec';
import { FaultsService } from '../faults/faults.service';
import { parseRequestBody } from '../validation/request-body';
import { z } from 'zod';
import { AdminService, type EmulatorStats } from './admin.service';

const addFaultsBodySchema = z.strictObject({ faults: z.array(z.string()).min(1) });

/** Test and benchmark controls. Unauthenticated: never expose the emulator beyond a dev machine or CI. */
@Controller('__emulator')
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly faults: FaultsService,
  ) {}

  @Get('stats')
  stats(@Query('runId') runId?: string): EmulatorStats {
    return this.admin.statistics(runId);
  }

  @Post('reset')
  @HttpCode(200)
  reset(): { ok: true } {
    this.admin.reset();
    return { ok: true };
  }

  @Get('faults')
  listFaults() {
    return this.faults.describe();
  }

  /** `{"faults": ["http_5xx=2", "drop_after=3,times=2"]}`: adds to what is set. */
  @Post('faults')
  @HttpCode(200)
  addFaults(@Body() body: unknown) {
    const { faults } = parseRequestBody(addFaultsBodySchema, body);
    let specs: FaultSpec[];
    try {
      specs = faults.map(parseFaultSpec);
    } catch (error) {
      if (error instanceof FaultSpecError) throw validationError(error.message);
      throw error;
    }
    this.faults.addGlobal(specs);
    return this.faults.describe();
  }

  @Delete('faults')
  clearFaults() {
    this.faults.clear();
    return this.faults.describe();
  }
}
