import { errorBody } from './error-body';

describe('errorBody', () => {
  it('answers routes under /v1/ in the Anthropic envelope', () => {
    expect(errorBody('/v1/sessions/x/events', 'not_found_error', 'gone')).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: 'gone' },
    });
  });

  it('answers every other route in the LAP envelope', () => {
    expect(errorBody('/api/agents', 'invalid_request_error', 'bad')).toEqual({
      error: { type: 'invalid_request_error', message: 'bad' },
    });
    expect(errorBody('/v1x', 'api_error', 'x')).toEqual({ error: { type: 'api_error', message: 'x' } });
  });
});
