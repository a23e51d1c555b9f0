// bench-bridge.js: glass to glass, party to party, through receptiond's conference picture, for
// bench-bridge.c. Needs bench-stamp.js (drawStamp, runPair) loaded first.
// Two WHIP parties (RFC 9725) in one page: A sends a 640x360 canvas with the wall clock stamped
// in its top row; B decodes the room's composite and reads A's stamp back from A's tile, whose
// place and scale the caller gives (the room lays its grid out the same way every time).

// The stamp at (@x, @y) with cells of @cell pixels, read from @video's current frame.
function readStampAt(video, canvas, x, y, cell) {
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, 0, 0);
  const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let v = 0;
  for (let i = 0; i < STAMP_BITS; i++) {
    const cx = Math.round(x + i * cell + cell / 2), cy = Math.round(y + cell / 2);
    const o = (cy * canvas.width + cx) * 4;
    const luma = 0.299 * px[o] + 0.587 * px[o + 1] + 0.114 * px[o + 2];
    v = v * 2 + (luma > 128 ? 1 : 0);
  }
  return v;
}

// Median, min and max ms over @n frames of @video whose stamp reads sensibly; null after 20 s.
function measureAt(video, n, x, y, cell) {
  const canvas = document.createElement('canvas');
  const samples = [];
  const deadline = performance.now() + 20000;
  return new Promise((resolve) => {
    function onFrame() {
      if (performance.now() > deadline) { resolve(null); return; }
      let d = Date.now() % 4294967296 - readStampAt(video, canvas, x, y, cell);
      if (d < -2147483648) d += 4294967296;
      if (d >= 0 && d < 10000) samples.push(d);
      if (samples.length >= n) {
        samples.sort((a, b) => a - b);
        resolve({ median: samples[Math.floor(n / 2)], min: samples[0], max: samples[n - 1] });
      } else {
        video.requestVideoFrameCallback(onFrame);
      }
    }
    video.requestVideoFrameCallback(onFrame);
  });
}

async function whipParty(spec, stamped) {
  const canvas = document.createElement('canvas');
  canvas.width = 640; canvas.height = 360;
  const ctx = canvas.getContext('2d');
  const party = { drawing: true };
  (function draw() {
    if (!party.drawing) return;
    ctx.fillStyle = stamped ? '#357' : '#753'; ctx.fillRect(0, 0, 640, 360);
    if (stamped) drawStamp(ctx, Date.now());
    requestAnimationFrame(draw);
  })();
  const ac = new AudioContext();
  const dest = ac.createMediaStreamDestination();
  const osc = ac.createOscillator();
  const gain = ac.createGain();
  gain.gain.value = 0.1;
  osc.connect(gain).connect(dest);
  osc.start();
  const stream = new MediaStream([dest.stream.getAudioTracks()[0],
                                  canvas.captureStream(30).getVideoTracks()[0]]);
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  for (const t of stream.getTracks()) pc.addTransceiver(t, { direction: 'sendrecv', streams: [stream] });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const r = await fetch(spec.endpoint, {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + spec.token, 'Content-Type': 'application/sdp' },
    body: pc.localDescription.sdp,
  });
  if (r.status !== 201) throw new Error('POST answered ' + r.status + ' ' + (await r.text()));
  await pc.setRemoteDescription({ type: 'answer', sdp: await r.text() });
  party.pc = pc;
  party.resource = new URL(r.headers.get('Location'), spec.endpoint).href;
  party.stop = async () => {
    party.drawing = false;
    await fetch(party.resource, { method: 'DELETE', headers: { Authorization: 'Bearer ' + spec.token } });
    pc.close();
    ac.close();
  };
  return party;
}

// A joins, then B; B reads A's stamp at @tile ({x, y, cell}) from @n frames of the composite.
async function runBridge(a, b, tile, n) {
  const pa = await whipParty(a, true);
  const pb = await whipParty(b, false);
  const video = document.createElement('video');
  video.muted = true; video.autoplay = true; video.playsInline = true;
  const tr = pb.pc.getTransceivers().find((t) => t.receiver.track.kind === 'video');
  video.srcObject = new MediaStream([tr.receiver.track]);
  document.body.appendChild(video);
  await video.play();
  // the composite settles (both tiles in, the jitter buffer at its level) before measuring
  await new Promise((r) => setTimeout(r, 3000));
  const latency = await measureAt(video, n, tile.x, tile.y, tile.cell);
  await pa.stop();
  await pb.stop();
  video.remove();
  return { latency_ms: latency ? latency.median : null, min_ms: latency ? latency.min : null,
           max_ms: latency ? latency.max : null };
}
