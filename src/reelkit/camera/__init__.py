"""Camera models: lens and pinhole math (:mod:`reelkit.camera.lens`), framing and planners."""
