/** One sample of a Prometheus text exposition: the value of the line for `series` (`name` or `name{labels}`, labels as written). */
export function metricSample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}
