import { Controller, Get } from '@nestjs/common';
import { Public } from '../auth/public.decorator';
import { buildOpenApiDocument } from './openapi.document';

/** `GET /openapi.json`: public, so tools can read it before they hold a key. */
@Controller()
export class OpenApiController {
  private readonly document = buildOpenApiDocument();

  @Get('openapi.json')
  @Public()
  serve() {
    return this.document;
  }
}
