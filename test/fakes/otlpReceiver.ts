// A loopback OTLP/HTTP collector for the tests: accepts what the exporters POST to /v1/traces and
// /v1/metrics, keeps every raw byte, and decodes OTLP/JSON (the http exporters' encoding) into
// flat spans and metric points. It counts connections, so a test can prove none was attempted.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type AttrValue = string | number | boolean | AttrValue[];

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 3 client. */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, AttrValue>>;
  readonly status: { readonly code?: number; readonly message?: string };
  readonly resource: Readonly<Record<string, AttrValue>>;
}

export interface MetricPoint {
  readonly metric: string;
  readonly unit: string;
  readonly kind: 'histogram' | 'sum' | 'gauge';
  readonly attributes: Readonly<Record<string, AttrValue>>;
  /** histogram: the sum of recorded values; sum/gauge: the value. */
  readonly value: number;
  readonly count: number;
}

export interface OtlpReceiver {
  readonly url: string;
  readonly port: number;
  readonly bodies: { readonly path: string; readonly contentType: string; readonly raw: Buffer }[];
  connections: number;
  spans(): ReceivedSpan[];
  metricPoints(): MetricPoint[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(port = 0): Promise<OtlpReceiver> {
  const bodies: { path: string; contentType: string; raw: Buffer }[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), raw: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  const receiver: OtlpReceiver = {
    url: '',
    port: 0,
    bodies,
    connections: 0,
    spans: () => bodies.filter((b) => b.path === '/v1/traces').flatMap((b) => decodeSpans(json(b))),
    metricPoints: () => bodies.filter((b) => b.path === '/v1/metrics').flatMap((b) => decodeMetrics(json(b))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (s) => {
    receiver.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return Object.assign(receiver, { url: `http://127.0.0.1:${actual}`, port: actual });
}

function json(b: { contentType: string; raw: Buffer }): any {
  if (!b.contentType.includes('json')) throw new Error(`the receiver decodes OTLP/JSON; got ${b.contentType}`);
  return JSON.parse(b.raw.toString('utf8'));
}

function value(v: any): AttrValue {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(value);
  throw new Error(`unknown OTLP attribute value ${JSON.stringify(v)}`);
}

function attrs(list: any[] | undefined): Record<string, AttrValue> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value)]));
}

function decodeSpans(body: any): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((rs: any) =>
    (rs.scopeSpans ?? []).flatMap((ss: any) =>
      (ss.spans ?? []).map((s: any) => ({
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId || undefined,
        name: s.name,
        kind: s.kind,
        attributes: attrs(s.attributes),
        status: s.status ?? {},
        resource: attrs(rs.resource?.attributes),
      })),
    ),
  );
}

function decodeMetrics(body: any): MetricPoint[] {
  return (body.resourceMetrics ?? []).flatMap((rm: any) =>
    (rm.scopeMetrics ?? []).flatMap((sm: any) =>
      (sm.metrics ?? []).flatMap((m: any) => {
        if (m.histogram) return m.histogram.dataPoints.map((p: any) => ({ metric: m.name, unit: m.unit, kind: 'histogram', attributes: attrs(p.attributes), value: Number(p.sum ?? 0), count: Number(p.count) }));
        const data = m.sum ?? m.gauge;
        return (data?.dataPoints ?? []).map((p: any) => ({ metric: m.name, unit: m.unit, kind: m.sum ? 'sum' : 'gauge', attributes: attrs(p.attributes), value: Number(p.asDouble ?? p.asInt ?? 0), count: 1 }));
      }),
    ),
  );
}
