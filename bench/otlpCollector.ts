// The telemetry bench's collector, in a process of its own so that receiving what the exporter
// sends is not counted as the traced process's overhead. Speaks over IPC: sends its URL on start,
// answers 'count' with the number of spans received, and closes on 'close'.
import { startOtlpReceiver } from '../test/fakes/otlpReceiver';

void startOtlpReceiver().then((receiver) => {
  process.send?.({ kind: 'url', url: receiver.url });
  process.on('message', (m: string) => {
    if (m === 'count') process.send?.({ kind: 'count', spans: receiver.spans().length });
    else if (m === 'close') void receiver.close().then(() => process.exit(0));
  });
});
