#!/usr/bin/env node
// The HTTP and WebSocket half of scripts/container-smoke.sh: checks a running server from outside.
//
//   node scripts/container-smoke-client.mjs http://127.0.0.1:8000 MEDIA_DIR [READY_BOUND_S]
//
// Prints one line per check with its time; exits 1 at the first failure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';

const [base, mediaDir, readyBound = '180'] = process.argv.slice(2);
if (!base || !mediaDir) {
  console.error('usage: container-smoke-client.mjs BASE_URL MEDIA_DIR [READY_BOUND_S]');
  process.exit(2);
}
const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function check(ok, what) {
  if (!ok) throw new Error(what);
  console.log(`ok  ${what} (${seconds()} s)`);
}

async function waitReady(boundS) {
  const deadline = Date.now() + boundS * 1000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/health/ready`);
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = error.message;
    }
    await sleep(500);
  }
  throw new Error(`/health/ready not 200 within ${boundS} s: ${last}`);
}

/** One JPEG over the WebSocket; resolves with the first answer. */
function oneFrame(pipeline, jpeg) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/video/stream?pipeline_id=${pipeline}`);
    const timer = setTimeout(() => (ws.terminate(), reject(new Error('no WebSocket answer within 30 s'))), 30_000);
    ws.on('open', () => ws.send(jpeg));
    ws.on('message', (data) => {
      clearTimeout(timer);
      ws.close();
      resolve(JSON.parse(data.toString()));
    });
    ws.on('error', (error) => (clearTimeout(timer), reject(error)));
  });
}

async function oneJob(video) {
  const form = new FormData();
  form.append('pipeline_id', 'yolo');
  form.append('fps', '0.1');
  form.append('file', new Blob([readFileSync(video)], { type: 'video/mp4' }), 'clip.mp4');
  const submit = await fetch(`${base}/video/submit`, { method: 'POST', body: form });
  if (submit.status !== 202) throw new Error(`POST /video/submit: ${submit.status} ${await submit.text()}`);
  const { job_id: id } = await submit.json();
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const status = await (await fetch(`${base}/video/status/${id}`)).json();
    if (status.status === 'completed') return status;
    if (status.status === 'failed' || status.status === 'cancelled')
      throw new Error(`job ${id}: ${JSON.stringify(status)}`);
    await sleep(1000);
  }
  throw new Error(`job ${id} not completed within 300 s`);
}

try {
  await waitReady(Number(readyBound));
  check(true, `/health/ready 200 within ${readyBound} s`);

  const page = await fetch(`${base}/`);
  const html = await page.text();
  check(page.ok && html.includes('<fs-root'), 'dashboard served at /');
  const icon = await fetch(`${base}/favicon.svg`);
  check(icon.ok && (icon.headers.get('content-type') ?? '').includes('image/svg'), 'favicon served');

  const answer = await oneFrame('yolo', readFileSync(join(mediaDir, 'bus.jpg')));
  const labels = (answer.result?.detections ?? []).map((d) => d.label);
  check(labels.includes('person') && labels.includes('bus'), `WebSocket frame answered: ${labels.join(', ')}`);

  const job = await oneJob(join(mediaDir, 'one-by-one-person-detection.mp4'));
  check(
    job.progress.frames_processed > 0 && job.progress.frames_processed === job.progress.frames_total,
    `video job completed: ${job.progress.frames_processed} frames`,
  );
} catch (error) {
  console.error(`FAIL ${error.message} (${seconds()} s)`);
  process.exit(1);
}
