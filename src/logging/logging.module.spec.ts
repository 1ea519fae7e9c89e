import { errorSerializer, requestLogLevel, SLOW_REQUEST_MS } from './logging.module';

describe('request log levels', () => {
  it('logs failures at error, slow requests at warn and the rest, 4xx included, at debug', () => {
    expect(requestLogLevel(500, 5)).toBe('error');
    expect(requestLogLevel(503, SLOW_REQUEST_MS + 1)).toBe('error');
    expect(requestLogLevel(200, SLOW_REQUEST_MS + 1)).toBe('warn');
    expect(requestLogLevel(401, SLOW_REQUEST_MS + 1)).toBe('warn');
    expect(requestLogLevel(200, SLOW_REQUEST_MS)).toBe('debug');
    expect(requestLogLevel(401, 5)).toBe('debug');
    expect(requestLogLevel(404, 5)).toBe('debug');
  });
});

describe('errorSerializer', () => {
  const serialized = {
    type: 'SqliteError',
    message: 'disk full',
    stack:
      'SqliteError: disk full\n    at Database.exec (/srv/kommhook/dist/storage/database.js:1:1)',
  };

  it('keeps class and message, and the stack only when asked (debug and trace)', () => {
    expect(errorSerializer(false)(serialized)).toEqual({
      type: 'SqliteError',
      message: 'disk full',
    });
    expect(errorSerializer(true)(serialized)).toEqual(serialized);
  });
});
