"""OpenCV DNN side of `npm run bench:peers`: YOLOX-Nano from JPEG bytes to boxes, timed per frame.

Usage: /usr/bin/python3 bench/peers_opencv.py MODEL.onnx ITERATIONS THREADS FRAME.jpg [FRAME.jpg ...]

Per frame, the same steps ForgeSyte's `yolo` pipeline takes: cv2.imdecode, resize to fit 416x416
(INTER_LINEAR, aspect kept, top-left, padded with 114), BGR planes as float, forward, YOLOX decoding,
NMS per class (score 0.25, IoU 0.45), boxes mapped to the frame's pixels. Prints one JSON object:
per frame the median and p99 of decode (imdecode to blob), forward and total ms, every run's times
(`samples`, so a caller running it in rounds can pool them), and the detections of the last run so
the caller can check both sides see the same objects. Exits 3 when cv2 is missing.
"""
import json
import sys
import time

try:
    import cv2
    import numpy as np
except ImportError as error:  # the caller prints a notice and skips the peer
    print(json.dumps({"missing": str(error)}))
    sys.exit(3)

INPUT = 416
STRIDES = (8, 16, 32)
SCORE, IOU = 0.25, 0.45
# Uncounted runs each time a frame starts (bench/peers.bench.ts: the same numbers on its side).
WARMUP_RUNS, WARMUP_MS = 5, 250


def grids():
    rows = []
    for s in STRIDES:
        g = INPUT // s
        ys, xs = np.meshgrid(np.arange(g), np.arange(g), indexing="ij")
        rows.append(np.stack([xs.ravel(), ys.ravel(), np.full(g * g, s)], axis=1))
    return np.concatenate(rows).astype(np.float32)


GRID = grids()


def preprocess(img):
    h, w = img.shape[:2]
    r = min(INPUT / w, INPUT / h)
    nw, nh = max(1, round(w * r)), max(1, round(h * r))
    blob = np.full((INPUT, INPUT, 3), 114, np.uint8)
    blob[:nh, :nw] = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR)
    return blob.transpose(2, 0, 1)[None].astype(np.float32), nw / w, nh / h


def postprocess(out, sx, sy, w, h):
    out = out.reshape(-1, out.shape[-1])
    keep = out[:, 4] >= SCORE
    out, grid = out[keep], GRID[keep]
    cls = out[:, 5:].argmax(1)
    score = out[:, 4] * out[:, 5:].max(1)
    keep = score >= SCORE
    out, grid, cls, score = out[keep], grid[keep], cls[keep], score[keep]
    cx = (out[:, 0] + grid[:, 0]) * grid[:, 2]
    cy = (out[:, 1] + grid[:, 1]) * grid[:, 2]
    bw = np.exp(out[:, 2]) * grid[:, 2]
    bh = np.exp(out[:, 3]) * grid[:, 2]
    xywh = np.stack([cx - bw / 2, cy - bh / 2, bw, bh], 1)
    found = []
    if len(score):
        # Per-class NMS (OpenCV 4.6 has no NMSBoxesBatched): boxes of different classes never overlap once shifted.
        shifted = xywh.copy()
        shifted[:, 0] += cls * 4 * INPUT
        idx = cv2.dnn.NMSBoxes(shifted.tolist(), score.tolist(), SCORE, IOU)
        for i in np.array(idx).reshape(-1):
            x, y, bw_, bh_ = xywh[i]
            found.append(
                {
                    "class_id": int(cls[i]),
                    "score": round(float(score[i]), 4),
                    "box": [
                        round(float(np.clip(x / sx, 0, w)), 1),
                        round(float(np.clip(y / sy, 0, h)), 1),
                        round(float(np.clip((x + bw_) / sx, 0, w)), 1),
                        round(float(np.clip((y + bh_) / sy, 0, h)), 1),
                    ],
                }
            )
    return found


def quantile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(np.ceil(q * len(s))) - 1))]


def main():
    model, iterations, threads, frames = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    cv2.setNumThreads(threads)
    net = cv2.dnn.readNetFromONNX(model)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    results = []
    for path in frames:
        data = np.frombuffer(open(path, "rb").read(), np.uint8)
        decode, forward, total = [], [], []
        found = []
        runs, started = 0, time.perf_counter()
        while len(total) < iterations:
            # Warm-up, not counted: at least WARMUP_RUNS runs and WARMUP_MS, as bench/peers.bench.ts on its side.
            warming = runs < WARMUP_RUNS or (time.perf_counter() - started) * 1000 < WARMUP_MS
            runs += 1
            t0 = time.perf_counter()
            img = cv2.imdecode(data, cv2.IMREAD_COLOR)
            blob, sx, sy = preprocess(img)
            t1 = time.perf_counter()
            net.setInput(blob)
            out = net.forward()
            t2 = time.perf_counter()
            found = postprocess(out, sx, sy, img.shape[1], img.shape[0])
            t3 = time.perf_counter()
            if not warming:
                decode.append((t1 - t0) * 1000)
                forward.append((t2 - t1) * 1000)
                total.append((t3 - t0) * 1000)
        results.append(
            {
                "frame": path,
                "n": iterations,
                "decode": [quantile(decode, 0.5), quantile(decode, 0.99)],
                "forward": [quantile(forward, 0.5), quantile(forward, 0.99)],
                "total": [quantile(total, 0.5), quantile(total, 0.99)],
                "samples": {"decode": decode, "forward": forward, "total": total},
                "detections": found,
            }
        )
    print(json.dumps({"opencv": cv2.__version__, "threads": cv2.getNumThreads(), "frames": results}))


if __name__ == "__main__":
    main()
