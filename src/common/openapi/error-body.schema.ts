import type { SchemaObject } from '@nestjs/swagger';

/** The shape of every error answer (see AllExceptionsFilter), with the codes a response may carry. */
export function errorBodySchema(...codes: string[]): SchemaObject {
  return {
    type: 'object',
    required: ['statusCode', 'code', 'message'],
    properties: {
      statusCode: { type: 'integer' },
      code: { type: 'string', enum: codes },
      message: { type: 'string' },
      errors: {
        type: 'array',
        description: 'One entry per bad field (WEBHOOK.INVALID_PAYLOAD).',
        items: {
          type: 'object',
          required: ['field', 'message'],
          properties: { field: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  };
}
