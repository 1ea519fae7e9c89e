import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFile } from 'node:fs/promises';
import {
  DASHBOARD_ASSETS,
  DASHBOARD_PAGE,
  DASHBOARD_SECURITY_HEADERS,
  DashboardAsset,
} from './dashboard-assets';

/**
 * The operator's dashboard: a static page and its assets. Public on purpose:
 * it holds no data, asks for the admin token and calls /api with it.
 */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  @Get()
  async page(@Res() res: Response): Promise<void> {
    await send(res, DASHBOARD_PAGE);
  }

  @Get('assets/:name')
  async asset(@Param('name') name: string, @Res() res: Response): Promise<void> {
    const asset = DASHBOARD_ASSETS.get(name);
    if (!asset) throw new NotFoundException();
    await send(res, asset);
  }
}

async function send(res: Response, asset: DashboardAsset): Promise<void> {
  const body = await readFile(asset.file);
  res.set(DASHBOARD_SECURITY_HEADERS);
  res.set('Content-Type', asset.contentType);
  res.set('Cache-Control', asset.cacheControl);
  // Express adds an ETag and answers 304 when the browser already has this body.
  res.status(200).send(body);
}
