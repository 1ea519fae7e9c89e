import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config/all-config';
import { RoleClassifier } from './role-classifier';

/** The classifier with the configured settings, read once. */
@Injectable()
export class SupportRoles extends RoleClassifier {
  constructor(config: ConfigService<AllConfig, true>) {
    super(config.get('support', { infer: true }));
  }
}
