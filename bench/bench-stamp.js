// bench-stamp.js: a wall-clock timestamp drawn into video frames and read back.
// Format: the low 32 bits of the time in milliseconds (Date.now(); receptiond's test camera
// uses the same CLOCK_REALTIME), most significant bit first, as 32 cells of 16x16 pixels,
// white = 1, black = 0, on the top-left row of the frame.
const STAMP_CELL = 16, STAMP_BITS = 32;

function drawStamp(ctx, ms) {
  const v = ms % 4294967296;
  for (let i = 0; i < STAMP_BITS; i++) {
    const bit = Math.floor(v / Math.pow(2, STAMP_BITS - 1 - i)) % 2;
    ctx.fillStyle = bit ? '#fff' : '#000';
    ctx.fillRect(i * STAMP_CELL, 0, STAMP_CELL, STAMP_CELL);
  }
}

function readStamp(video, canvas) {
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, 0, 0);
  const px = ctx.getImageData(0, 0, STAMP_BITS * STAMP_CELL, STAMP_CELL).data;
  let v = 0;
  for (let i = 0; i < STAMP_BITS; i++) {
    const o = ((STAMP_CELL / 2) * STAMP_BITS * STAMP_CELL + i * STAMP_CELL + STAMP_CELL / 2) * 4;
    const luma = 0.299 * px[o] + 0.587 * px[o + 1] + 0.114 * px[o + 2];
    v = v * 2 + (luma > 128 ? 1 : 0);
  }
  return v;
}

// Latency of @n frames of @video (glass to glass, minus the display's own delay): median ms;
// null when no stamped frame came within 15 s (the sender draws no stamp).
function measureLatency(video, n) {
  const canvas = document.createElement('canvas');
  const samples = [];
  const deadline = performance.now() + 15000;
  return new Promise((resolve) => {
    function onFrame() {
      if (performance.now() > deadline) {
        resolve(null);
        return;
      }
      const now = Date.now() % 4294967296;
      let d = now - readStamp(video, canvas);
      if (d < -2147483648) d += 4294967296;
      if (d >= 0 && d < 10000) samples.push(d);  // a frame without a stamp reads as noise
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

// ms from @t0 (performance.now()) to the first decoded frame of @pc.
async function firstFrameAfter(pc, t0) {
  for (;;) {
    const stats = await pc.getStats();
    for (const s of stats.values())
      if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0)
        return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 2));
  }
}

function gathered(pc) {
  return pc.iceGatheringState === 'complete' ? Promise.resolve() : new Promise((r) => {
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') r();
    });
  });
}

// The Chromium <-> Chromium baseline, shaped like a WHIP call: the offerer gathers, "posts",
// the answerer answers with every candidate, the offerer decodes the answerer's video.
// The answerer sends a canvas that carries the timestamp, like receptiond's test camera.
async function runPair() {
  const mic = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const canvas = document.createElement('canvas');
  canvas.width = 640; canvas.height = 360;
  const ctx = canvas.getContext('2d');
  let drawing = true;
  (function draw() {
    if (!drawing) return;
    ctx.fillStyle = '#357'; ctx.fillRect(0, 0, 640, 360);
    drawStamp(ctx, Date.now());
    requestAnimationFrame(draw);
  })();
  const roomStream = canvas.captureStream(30);
  const browser = new RTCPeerConnection(), room = new RTCPeerConnection();
  for (const t of mic.getTracks()) browser.addTransceiver(t, { direction: 'sendrecv' });
  await browser.setLocalDescription(await browser.createOffer());
  await gathered(browser);
  const t0 = performance.now();  // the moment the join page would POST
  await room.setRemoteDescription(browser.localDescription);
  const [audioTr, videoTr] = room.getTransceivers();
  await videoTr.sender.replaceTrack(roomStream.getVideoTracks()[0]);
  videoTr.direction = 'sendrecv';
  await audioTr.sender.replaceTrack(mic.getAudioTracks()[0]);
  audioTr.direction = 'sendrecv';
  await room.setLocalDescription(await room.createAnswer());
  await gathered(room);
  const answered = performance.now() - t0;
  await browser.setRemoteDescription(room.localDescription);
  const setup = await firstFrameAfter(browser, t0);
  const video = document.createElement('video');
  video.muted = true; video.autoplay = true; video.playsInline = true;
  const remoteVideo = browser.getTransceivers().find((t) => t.receiver.track.kind === 'video');
  video.srcObject = new MediaStream([remoteVideo.receiver.track]);
  document.body.appendChild(video);
  await video.play();
  const latency = await measureLatency(video, 60);
  drawing = false;
  browser.close(); room.close();
  mic.getTracks().forEach((t) => t.stop());
  video.remove();
  return { setup_ms: setup, answer_ms: answered, latency_ms: latency ? latency.median : null };
}

// The same two figures for the join page's call with receptiond.
async function runJoin() {
  while (!rdJoin.timings.post) await new Promise((r) => setTimeout(r, 2));
  const t0 = rdJoin.timings.post;
  while (!rdJoin.pc) await new Promise((r) => setTimeout(r, 2));
  const setup = await firstFrameAfter(rdJoin.pc, t0);
  const latency = await measureLatency(document.getElementById('remote'), 60);
  return { setup_ms: setup, answer_ms: rdJoin.timings.answer - t0,
           latency_ms: latency ? latency.median : null };
}
