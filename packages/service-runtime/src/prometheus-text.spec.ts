import { renderPrometheusText } from './prometheus-text';

describe('renderPrometheusText', () => {
  it('writes each figure with its help and type lines', () => {
    expect(
      renderPrometheusText([
        { name: 'a_total', help: 'Things done.', type: 'counter', value: 3 },
        { name: 'b', help: 'A level.', type: 'gauge', value: 0 },
      ]),
    ).toBe(
      '# HELP a_total Things done.\n# TYPE a_total counter\na_total 3\n# HELP b A level.\n# TYPE b gauge\nb 0\n',
    );
  });
});
